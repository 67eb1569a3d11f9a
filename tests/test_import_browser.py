"""Issue 10, done when: messy files of each kind imported through the admin page in Chromium,
every preview looked at, and nothing saved that its file did not say."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import Station
from stationsite.users import create_user

from .test_browser import CHROMIUM, browser, live_app, phone, screenshot  # noqa: F401
from .test_browser import _sign_in as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="no chromium")]

HEADER = ["编号", "名称", "类型", "纬度", "经度", "开放时间", "设施"]
ROWS = [
    [
        "MS-1",
        "武林公厕驿站",
        "公厕驿站",
        "30.27",
        "120.16",
        "周一至周五 8:00-18:00",
        "厕所、直饮水",
    ],
    ["MS-2", "湖滨暖心驿站", "暖心驿站", "30.25", "120.17", "工作日 9:00-17:00", "热水"],
    ["MS-3", "断桥暖心驿站", "暖心驿站", "30.26", "120.15", "预约开放（午休）", ""],
]


def csv_bytes(encoding: str, newline: str) -> bytes:
    text = newline.join(",".join(cells) for cells in [HEADER, *ROWS]) + newline
    return text.encode(encoding)


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active.append(["西湖区驿站一览表"])
    for cells in [HEADER, *ROWS]:
        book.active.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


OVERPASS = json.dumps(
    {
        "elements": [
            {"type": "node", "id": 11, "lat": 30.27, "lon": 120.16,
             "tags": {"amenity": "toilets", "name": "武林公厕驿站",
                      "opening_hours": "Mo-Fr 08:00-18:00", "drinking_water": "yes"}},
            {"type": "node", "id": 12, "lat": 30.25, "lon": 120.17,
             "tags": {"amenity": "toilets", "addr:street": "湖滨路", "opening_hours": "17:00+"}},
        ]
    }
).encode()  # fmt: skip
FILES = {
    "mac-gbk.csv": csv_bytes("gbk", "\r"),
    "excel-unicode.txt": csv_bytes("utf-16", "\r\n").replace(b",\x00", b"\t\x00"),
    "wps.xls": xlsx_bytes(),
    "utf8-bom.csv": b"\xef\xbb\xbf" + csv_bytes("utf-8", "\n"),
}


@pytest.fixture(scope="module")
def admin(live_app):  # noqa: F811
    app, _base = live_app
    with app.app_context():
        create_user("issue10-admin", "issue10-password", "admin")
        db.session.commit()
    return live_app


def preview(page, base, tmp_path, name: str, data: bytes):
    source = tmp_path / name
    source.write_bytes(data)
    page.goto(f"{base}/admin/import", wait_until="networkidle")
    page.set_input_files("#file", str(source))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_selector(".import-preview")
    return page.locator(".import-preview tbody").inner_text()


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_messy_table_previews_its_hours_beside_their_reading(phone, admin, tmp_path, name):  # noqa: F811
    app, base = admin
    sign_in(phone, base, "issue10-admin", "issue10-password")
    table = preview(phone, base, tmp_path, name, FILES[name])
    assert "周一至周五 8:00-18:00" in table and "周一至周五 08:00–18:00；周六、周日 休息" in table
    assert "工作日 9:00-17:00" in table and "节假日 休息" in table
    assert "预约开放（午休）" in table  # kept as written…
    screenshot(phone, f"import-{name}")
    phone.get_by_role("button", name="导入无误的行").click()
    phone.wait_for_load_state("networkidle")
    with app.app_context():
        stations = {
            s.code: s for s in db.session.scalars(select(Station).where(Station.code.like("MS-%")))
        }
        assert stations["MS-1"].opening_hours == "Mo-Fr 08:00-18:00"
        assert stations["MS-2"].opening_hours == "Mo-Fr 09:00-17:00; PH off"
        assert stations["MS-3"].opening_hours == "预约开放（午休）"  # …and unknown to riders
        assert {f.facility.code for f in stations["MS-3"].facilities} == set()
    assert phone.errors == []


def test_an_overpass_export_previews_made_up_names_and_open_ends(phone, admin, tmp_path):  # noqa: F811
    app, base = admin
    sign_in(phone, base, "issue10-admin", "issue10-password")
    table = preview(phone, base, tmp_path, "overpass.json", OVERPASS)
    assert "OSM-node-11" in table and "公厕（湖滨路）" in table
    assert "17:00+" in table
    screenshot(phone, "import-overpass")
    phone.get_by_role("button", name="导入无误的行").click()
    phone.wait_for_load_state("networkidle")
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "OSM-node-11"))
        assert sorted(f.facility.code for f in station.facilities) == ["drinking_water", "toilet"]


def test_a_large_file_is_checked_in_the_background_then_previewed_and_imported(
    phone,  # noqa: F811
    admin,
    tmp_path,
):
    app, base = admin
    saved = app.config.get("IMPORT_BACKGROUND_BYTES"), app.instance_path
    app.config["IMPORT_BACKGROUND_BYTES"] = 1000  # so a small file takes the large files' way
    app.instance_path = str(tmp_path / "instance")
    try:
        rows = [[f"BG-{n:04d}", f"后台驿站{n}", "暖心驿站", "30.2", "120.1", "早八点至晚六点", ""]
                for n in range(300)]  # fmt: skip
        data = ("\r\n".join(",".join(cells) for cells in [HEADER, *rows]) + "\r\n").encode("gbk")
        sign_in(phone, base, "issue10-admin", "issue10-password")
        source = tmp_path / "district.csv"
        source.write_bytes(data)
        phone.goto(f"{base}/admin/import", wait_until="networkidle")
        phone.set_input_files("#file", str(source))
        phone.get_by_role("button", name="检查文件").click()
        phone.wait_for_url("**/admin/import/jobs/*")  # the upload returned at once
        phone.wait_for_selector(".import-preview", timeout=30_000)  # the page refreshes itself
        lead = phone.locator(".lead").inner_text()
        assert "300" in lead and "早八点至晚六点" in phone.locator(".import-preview").inner_text()
        screenshot(phone, "import-background-preview")
        phone.get_by_role("button", name="导入无误的行").click()
        phone.wait_for_selector("[data-job-state=done]", timeout=60_000)
        screenshot(phone, "import-background-done")
        with app.app_context():
            imported = db.session.scalars(select(Station).where(Station.code.like("BG-%"))).all()
            assert len(imported) == 300
            assert {s.opening_hours for s in imported} == {"Mo-Su 08:00-18:00"}
        assert phone.errors == []
    finally:
        app.config["IMPORT_BACKGROUND_BYTES"], app.instance_path = saved
