"""Timing, machine description and RESULTS.md bookkeeping shared by the benchmarks."""

from __future__ import annotations

import http.client
import os
import platform
import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"


def timed(call: Callable, inputs: Iterable) -> list[float]:
    """Seconds per call, one call per input, after one warm-up call."""
    inputs = list(inputs)
    call(inputs[0])
    times = []
    for item in inputs:
        started = time.perf_counter_ns()
        call(item)
        times.append((time.perf_counter_ns() - started) / 1e9)
    return times


def pct(times: list[float], p: int) -> float:
    if len(times) == 1:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[p - 1]


def us(times, p) -> str:
    return f"{pct(times, p) * 1e6:,.0f} µs"


def ms(times, p) -> str:
    value = pct(times, p) * 1e3
    return f"{value:,.2f} ms" if value < 100 else f"{value:,.0f} ms"


def ratio(times, baseline, digits: int = 1) -> str:
    return f"{pct(times, 50) / pct(baseline, 50):,.{digits}f}×"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def wait_for(port: int, seconds: float = 60) -> http.client.HTTPConnection:
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/healthz")
            if connection.getresponse().read() and True:
                return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def getter(connection: http.client.HTTPConnection) -> Callable[..., bytes]:
    def get(path: str, headers: dict | None = None) -> bytes:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
        return body

    return get


def record(key: str, title: str, text: str) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the others."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"{start}\n## {title}\n\nMeasured {stamp} on {machine()}.\n\n{text}\n{end}"
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if start in current:
        current = re.sub(
            re.escape(start) + ".*?" + re.escape(end), lambda _m: section, current, flags=re.S
        )
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(current)
