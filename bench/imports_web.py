"""Issue 10 through the admin page, as a clerk does it: a messy 100,000-row GB18030 CSV
uploaded in headless Chromium to a site served by `flask run` (SQLite, its own instance
folder under bench/out/imports-web/), the check's progress, the preview, the import, the
server killed mid-import and started again, and the import finishing with nobody on the page.

    .venv/bin/python -m bench.imports_web [--rows N]

Screenshots go to bench/out/imports-web/*.png; the times go to the imports section of
bench/RESULTS.md (with `bench.imports`' PostgreSQL figures when those ran: `make bench-imports`).
Traffic stays on 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import common

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WEB = common.OUT / "imports-web"
RESULT = common.OUT / "imports-web.json"
CHROMIUM = "/usr/bin/chromium"
ADMIN, PASSWORD = "clerk", "clerk-password-10"
HOURS = (
    "周一至周五 8:00-18:00",
    "早八点至晚六点",
    "二十四小时",
    "上午九时—下午五时半",
    "十二小时",  # which twelve? kept as written, unknown
    "预约开放（午休）",
    "工作日 9:00-17:00",
    "全天开放",
)


def messy_file(rows: int) -> bytes:
    """What a district office sends: a title row, GB18030, CR LF, hours in words and Chinese
    numerals, a facility nobody knows, a few rows without a position and a repeated code."""
    lines = ["杭州市户外劳动者驿站一览表（2026年）", "编号,名称,类型,地址,纬度,经度,开放时间,设施"]
    for n in range(rows):
        kind = "公厕驿站" if n % 3 else "暖心驿站"
        lat, lon = f"{22 + (n % 2000) / 100:.4f}", f"{100 + (n // 2000) / 2:.4f}"
        if n % 997 == 5:
            lat = ""  # a clerk's gap: an error on that row, the rest imports
        code = f"W-{n:06d}" if n % 4999 != 7 else "W-000000"  # now and then a code again
        facilities = "厕所、直饮水" if n % 10 else "厕所、直饮水、按摩椅"
        lines.append(
            f'{code},驿站{n},{kind},测试路{n}号,{lat},{lon},{HOURS[n % len(HOURS)]},"{facilities}"'
        )
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def catalogue_with(strings: Path, folder: Path) -> Path | None:
    """The Chinese catalogue with this issue's new strings merged, in a folder of its own
    (the integrator merges them into the real one)."""
    if not strings.exists():
        return None
    target = folder / "translations"
    shutil.copytree(ROOT / "stationsite" / "translations", target, dirs_exist_ok=True)
    po = target / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    extra = json.loads(strings.read_text())
    with po.open("a", encoding="utf-8") as out:
        for msgid, msgstr in extra.items():
            out.write(f"\nmsgid {json.dumps(msgid, ensure_ascii=False)}\n"
                      f"msgstr {json.dumps(msgstr, ensure_ascii=False)}\n")  # fmt: skip
    compile_po = [str(BIN / "pybabel"), "compile", "--use-fuzzy", "-d", str(target)]
    subprocess.run([*compile_po, "-D", "messages"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return target


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "stationsite", *args], env=env, check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    """`flask run` on 127.0.0.1, started and killed like a real server."""

    def __init__(self, env: dict, port: int, translations: Path | None) -> None:
        config = {"BABEL_TRANSLATION_DIRECTORIES": str(translations)} if translations else {}
        self.args = [str(BIN / "flask"), "--app", f"stationsite:create_app({config!r})", "run",
                     "--port", str(port)]  # fmt: skip
        self.env, self.port, self.process = env, port, None

    def start(self) -> None:
        log = (WEB / "server.log").open("a")
        self.process = subprocess.Popen(
            self.args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        common.wait_for(self.port, 60)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # as a crash or a power cut would
        self.process.wait(timeout=30)


def job_record(instance: Path) -> dict:
    records = list((instance / "imports").glob("*.job"))
    return json.loads(records[0].read_text()) if records else {}


def wait_until(check, seconds: float, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(every)
    raise TimeoutError(f"waited {seconds} s")


def run(rows: int) -> dict:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(WEB, ignore_errors=True)
    WEB.mkdir(parents=True)
    instance = WEB / "instance"
    env = {**os.environ, "STATIONSITE_INSTANCE": str(instance), "SECRET_KEY": "bench-web",
           "DATABASE_URL": f"sqlite:///{WEB / 'site.sqlite3'}", "MAP_TILES": "none"}  # fmt: skip
    flask(env, "init-db")
    flask(env, "create-user", ADMIN, "--role", "admin", "--password", PASSWORD)
    source = WEB / "national-messy.csv"
    source.write_bytes(messy_file(rows))
    site = Site(env, free_port(), catalogue_with(Path("/tmp/i18n/issue10.json"), WEB))
    base = f"http://127.0.0.1:{site.port}"
    site.start()
    times: dict = {"rows": rows, "bytes": source.stat().st_size}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(f"{base}/auth/login")
            page.locator("#username").fill(ADMIN)
            page.locator("#password").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state("networkidle")
            page.goto(f"{base}/admin/import")
            page.set_input_files("#file", str(source))
            started = time.monotonic()
            page.get_by_role("button", name="检查文件").click()
            page.wait_for_url("**/admin/import/jobs/*", timeout=60_000)
            times["upload_to_progress_page"] = time.monotonic() - started
            said = []
            for step, field in (("1-reading", "read"), ("1-checking", "checked")):
                wait_until(lambda field=field: job_record(instance).get(field), 120)
                page.reload()
                status = page.locator("[data-job-state]")
                said.append(status.inner_text().strip() if status.count() else "—")
                page.screenshot(path=str(WEB / f"{step}.png"))
            times["progress_text"] = "”, then “".join(said)
            page.wait_for_selector(".import-preview", timeout=300_000)
            times["upload_to_preview"] = time.monotonic() - started
            times["preview_lead"] = page.locator(".lead").inner_text().strip()
            page.screenshot(path=str(WEB / "2-preview.png"))
            started = time.monotonic()
            page.get_by_role("button", name="导入无误的行").click()
            page.wait_for_url("**/admin/import/jobs/*")
            wait_until(lambda: job_record(instance).get("done", 0) >= rows // 4, 600)
            page.reload()
            page.screenshot(path=str(WEB / "3-importing.png"))
            site.kill()
            times["killed_at_row"] = job_record(instance)["done"]
            times["import_before_kill"] = time.monotonic() - started
            page.close()  # nobody watches the job while the server is down and after
            time.sleep(3)
            restarted = time.monotonic()
            site.start()
            times["restart_to_serving"] = time.monotonic() - restarted
            killed_at = times["killed_at_row"]
            resumed = wait_until(lambda: job_record(instance).get("done", 0) > killed_at
                                 and job_record(instance)["done"], 300)  # fmt: skip
            times["restart_to_first_new_batch"] = time.monotonic() - restarted
            times["resumed_at_row"] = resumed
            final = wait_until(lambda: job_record(instance).get("state") in ("done", "failed")
                               and job_record(instance), 900)  # fmt: skip
            times["restart_to_done"] = time.monotonic() - restarted
            times["job"] = {k: final[k] for k in ("state", "done", "created", "failed")}
            times["load"] = os.getloadavg()[0]
            times["uploads_left"] = sorted(p.name for p in (instance / "imports").glob("*.upload"))
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"{base}/auth/login")
            page.locator("#username").fill(ADMIN)
            page.locator("#password").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.goto(f"{base}/admin/import/jobs/{final['token']}")
            page.screenshot(path=str(WEB / "4-done.png"))
            browser.close()
    finally:
        if site.process and site.process.poll() is None:
            site.kill()
    return times


def report(t: dict) -> str:
    job = t["job"]
    return "\n".join([
        "Through the admin page in headless Chromium (`python -m bench.imports_web`, part of "
        f"`make bench-imports`): a messy "
        f"{t['rows']:,}-row GB18030 CSV ({t['bytes'] / 1e6:.1f} MB: a title row, CR LF, hours "
        "in words and Chinese numerals, an unknown facility, rows without a position, repeated "
        "codes) uploaded to `flask run` on SQLite.",
        "",
        "| step | seconds |",
        "|---|---|",
        "| upload → the progress page (the request returns at once) "
        f"| {t['upload_to_progress_page']:.1f} |",
        "| upload → the preview (read and checked in the background) "
        f"| {t['upload_to_preview']:.1f} |",
        f"| confirm → server killed (SIGKILL) at row {t['killed_at_row']:,} "
        f"| {t['import_before_kill']:.1f} |",
        f"| restart → serving | {t['restart_to_serving']:.1f} |",
        f"| restart → import resumed with nobody on the page (row {t['resumed_at_row']:,}) "
        f"| {t['restart_to_first_new_batch']:.1f} |",
        f"| restart → done | {t['restart_to_done']:.1f} |",
        "",
        f"The page said “{t['progress_text']}” while checking and “{t['preview_lead']}” in the "
        f"preview. The job ended {job['state']}: {job['created']:,} created, {job['failed']:,} "
        f"rows with errors skipped; uploads left in the job folder: {len(t['uploads_left'])}. "
        "A resumed import reads and checks the file again before it goes on after its last "
        f"saved batch. Load average (1 min) at the end: {t.get('load', float('nan')):.1f} on 2 "
        "shared cores.",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    result = run(parser.parse_args().rows)
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    from .imports import record_section

    record_section()
    print(report(result))


if __name__ == "__main__":
    main()
