"""Issue 10, part 6: messages a clerk can act on — the column by its name, the row, the value."""

from __future__ import annotations

import io
from html import unescape

import pytest

from stationsite.catalogue import FACILITIES
from stationsite.extensions import db
from stationsite.stations_io.positions import ServiceArea
from stationsite.stations_io.reading import read
from stationsite.users import create_user

from .test_operator import csrf, sign_in

NAMES = {key: code for code, zh, en, *_ in FACILITIES for key in (code, zh, en.lower())}
HEADER = "编号,名称,类型,纬度,经度,坐标系\n"


def errors(line: str, area: ServiceArea | None = None) -> list[str]:
    rows = read((HEADER + line + "\n").encode(), "x.csv", NAMES, area or ServiceArea())
    return [str(error) for error in rows[0].errors]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A-1,,暖心驿站,30.2,120.1,", ["missing name"]),
        (",甲,暖心驿站,30.2,120.1,", ["missing code"]),
        ("A-1,甲,暖心驿站,,120.1,", ["missing latitude"]),
        ("A-1,甲,暖心驿站,,,", ["missing latitude", "missing longitude"]),
        ("A-1,甲,暖心驿站,北纬30度,120.1,", ["latitude is not a number: 北纬30度"]),
        ("A-1,甲,暖心驿站,nan,120.1,", ["latitude is not a number: nan"]),
        ("A-1,甲,暖心驿站,30.2°,120.1°,", []),
        ("A-1,甲,城堡,30.2,120.1,", ["unknown kind 城堡 (use 暖心驿站 or 公厕驿站)"]),
        (
            "A-1,甲,暖心驿站,30.2,120.1,北京54",
            ["unknown coordinate system 北京54 (use wgs84, gcj02 or bd09)"],
        ),
        (
            "A-1,甲,暖心驿站,120.1,30.2,",
            ["latitude 120.1 and longitude 30.2 are outside the service area; they look swapped"],
        ),
        (
            "A-1,甲,暖心驿站,51.5,-0.12,",
            [
                "latitude 51.5 and longitude -0.12 are outside the service area "
                "(latitude, longitude: 3–54, 73–136)"
            ],
        ),
    ],
)
def test_row_messages_name_the_column_and_the_value(line, expected):
    assert errors(line) == expected


def test_the_service_area_is_a_setting():
    hangzhou = ServiceArea.parse("118.3,29.2,120.8,30.6")
    assert errors("A-1,甲,暖心驿站,39.9,116.4,", hangzhou) == [
        "latitude 39.9 and longitude 116.4 are outside the service area "
        "(latitude, longitude: 29.2–30.6, 118.3–120.8)"
    ]
    assert errors("A-1,甲,暖心驿站,30.2,120.1,", hangzhou) == []


@pytest.fixture
def staff(app, client, tmp_path):
    app.instance_path = str(tmp_path / "instance")  # uploads of this test only
    with app.app_context():
        create_user("boss", "long-password", "admin")
        db.session.commit()
    sign_in(client, "boss")
    return client


def upload(client, data: bytes, name: str = "x.csv", lang: str = "en"):
    url = f"/admin/import?lang={lang}"
    return client.post(
        url,
        data={"csrf_token": csrf(client, url), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_preview_names_columns_in_the_readers_language(staff):
    data = (HEADER + "A-1,,暖心驿站,abc,120.1,\nA-1,乙,暖心驿站,30.2,120.1,\n").encode()
    page = unescape(upload(staff, data).get_data(as_text=True))
    assert "missing name; latitude is not a number: abc" in page
    assert "code A-1 appears again (first in row 2)" in page


def test_unrecognised_columns_are_one_message_on_the_page(staff):
    rows = "".join(f"甲{n},乙{n}\n" for n in range(10_000))
    page = upload(staff, f"站名,位置\n{rows}".encode())
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert text.count("The columns were not recognised") == 1
    assert (
        "Found: 站名、位置" in text and "编号 (code)、名称 (name)、纬度 (lat)、经度 (lon)" in text
    )


def test_a_setting_narrows_the_service_area_for_the_page_and_the_cli(app, staff, tmp_path):
    app.config["SERVICE_AREA"] = "118.3,29.2,120.8,30.6"
    data = (HEADER + "BJ-1,天安门,暖心驿站,39.9,116.4,\n").encode()
    assert "outside the service area" in unescape(upload(staff, data).get_data(as_text=True))
    source = tmp_path / "beijing.csv"
    source.write_bytes(data)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import-stations", str(source)])
    assert "row 2: error: latitude 39.9 and longitude 116.4 are outside" in result.output
