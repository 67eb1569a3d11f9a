"""The wheel works from any directory: built from the checkout, unpacked elsewhere and run
from another folder, it finds its templates, static files, icons, migrations, translations
and gunicorn settings (issue 12, part 8). An installed site once answered 500 for the
facility icons, read from the checkout's static folder beside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SERVE = r"""
import sys, stationsite
assert stationsite.__file__.startswith(sys.argv[1]), stationsite.__file__
from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.demo import seed_demo
from stationsite.extensions import db
app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite:///" + sys.argv[2],
                  "MAP_TILES": "none", "LOCATOR_REFRESH_S": 0, "SEARCH_LOG_FLUSH_S": 0})
with app.app_context():
    migrate_to_head(); seed_demo(); db.session.commit()
client = app.test_client()
page = client.get("/").get_data(as_text=True)
assert "驿站地图" in page, page[:300]
assert "Station Map" in client.get("/?lang=en").get_data(as_text=True)
import re
for url in ["/stations/HZ-W-003", "/icons/facilities.svg", "/manifest.webmanifest", "/sw.js",
            "/api/v1/openapi.json", "/stations/HZ-W-003/qr.svg", "/auth/login",
            *re.findall(r'(?:src|href)="(/static/[^"]+)"', page)]:
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    answer.close()
from gunicorn.app.wsgiapp import WSGIApplication
conf = WSGIApplication.__new__(WSGIApplication).get_config_from_module_name(
    "stationsite.gunicorn_conf")
assert conf["timeout"] >= 60
print("ok")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built with the venv's own setuptools when it is recent enough, else in pip's isolated
    build environment (which fetches setuptools from the configured package index)."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)]
    for isolation in (["--no-build-isolation"], []):
        built = subprocess.run(command + isolation, capture_output=True, text=True, timeout=600)
        if built.returncode == 0:
            return next(out.glob("stationsite-*.whl"))
    pytest.skip(f"no wheel could be built here: {built.stderr[-300:]}")


def test_the_wheel_serves_the_site_from_another_directory(wheel, tmp_path):
    installed, elsewhere = tmp_path / "site-packages", tmp_path / "elsewhere"
    elsewhere.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(installed)
    for needed in (
        "stationsite/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
        "stationsite/migrations/env.py",
        "stationsite/templates/base.html",
        "stationsite/gunicorn_conf.py",
    ):
        assert needed in names
    ran = subprocess.run(
        [sys.executable, "-c", SERVE, str(installed), str(tmp_path / "site.sqlite3")],
        cwd=elsewhere,
        env={
            "PYTHONPATH": str(installed),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "STATIONSITE_INSTANCE": str(tmp_path / "instance"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0 and ran.stdout.strip().endswith("ok"), ran.stderr[-3000:]
