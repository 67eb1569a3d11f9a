"""Importing places from the admin pages: upload, preview with per-row errors, confirm (9.4)."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from stationsite.extensions import db
from stationsite.models import Place
from stationsite.users import create_user

from .test_operator import csrf, sign_in

FIXTURE = Path(__file__).parent / "data" / "hangzhou_places.osm"
GOOD_CSV = (
    "name,kind,district,lat,lon\n"
    "市民中心,landmark,上城区,30.2457,120.2107\n"
    "某地,castle,,30,120\n"
    "坏点,park,,north,120\n"
).encode("gb18030")


@pytest.fixture
def boss(app, client):
    with app.app_context():
        create_user("boss", "long-password", "admin")
        create_user("op", "long-password", "operator", [])
        db.session.commit()
    sign_in(client, "boss")
    return client


def upload(client, data: bytes, name: str, lang="en"):
    return client.post(
        f"/admin/places/import?lang={lang}",
        data={"csrf_token": csrf(client, "/admin/places/import"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Place))


def test_the_admin_page_links_to_it(boss):
    page = boss.get("/admin/?lang=en").get_data(as_text=True)
    assert 'href="/admin/places/import"' in page


def test_an_osm_extract_previews_then_imports(app, boss):
    preview = upload(boss, FIXTURE.read_bytes(), "hangzhou.osm")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "10 places; 10 new, 0 to update, 1 rows with errors" in page
    assert "way/5002" in page and "its nodes are not in the file" in page
    assert "中山北路" in page and "kept as a line" in page and "metro station" in page
    assert count(app) == 0  # nothing saved before the confirmation
    token = re.search(r'name="token" type="hidden" value="(\w+)"', page).group(1)
    done = boss.post(
        "/admin/places/import/confirm?lang=en",
        data={"csrf_token": csrf(boss, "/admin/places/import"), "token": token},
    )
    assert done.status_code == 302 and count(app) == 10
    flashed = boss.get("/admin/?lang=en").get_data(as_text=True)
    assert "Places imported: 10 added, 0 updated, 1 rows with errors skipped." in flashed
    again = upload(boss, FIXTURE.read_bytes(), "hangzhou.osm").get_data(as_text=True)
    assert "0 new, 10 to update" in again


def test_a_pbf_extract_is_taken_too(boss, tmp_path):
    import osmium

    pbf = tmp_path / "hangzhou.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for item in osmium.FileProcessor(str(FIXTURE)):
            writer.add(item)
    page = upload(boss, pbf.read_bytes(), "hangzhou.osm.pbf").get_data(as_text=True)
    assert "10 places; 10 new" in page and "kept as a line" in page


def test_csv_rows_with_errors_are_named_in_the_readers_language(boss):
    page = upload(boss, GOOD_CSV, "places.csv", lang="zh").get_data(as_text=True)
    assert "市民中心" in page and ">3<" in page and ">4<" in page
    english = upload(boss, GOOD_CSV, "places.csv").get_data(as_text=True)
    assert "kind castle is not one of" in english and "latitude north is not a number" in english


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<osm", "broken.osm", "not OSM XML"),
        (b"{", "broken.geojson", "not JSON"),
        (b'{"type": "Feature"}', "one.geojson", "not a GeoJSON FeatureCollection"),
        (b"\x00\x01\x02" * 100, "binary.csv", "no name column"),
        ("名称,经度\n".encode(), "columns.csv", "no name column"),
        (b"name,lon\nx,1\n", "columns.csv", "no latitude column"),
    ],
)
def test_a_file_that_cannot_be_read_is_said_beside_the_field(boss, data, name, message):
    response = upload(boss, data, name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_other_files_and_no_file_are_refused(boss):
    assert upload(boss, b"x", "places.pdf").status_code == 400
    response = boss.post(
        "/admin/places/import?lang=en",
        data={"csrf_token": csrf(boss, "/admin/places/import")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "Choose a file." in response.get_data(as_text=True)


def test_a_confirmation_without_its_upload(boss):
    data = {"csrf_token": csrf(boss, "/admin/places/import"), "token": "feedbeef" * 4}
    assert boss.post("/admin/places/import/confirm", data=data).status_code == 404
    data["token"] = "../etc"
    assert boss.post("/admin/places/import/confirm", data=data).status_code == 400


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/admin/places/import"), ("post", "/admin/places/import/confirm")],
)
def test_only_admins(app, client, method, url):
    with app.app_context():
        create_user("op", "long-password", "operator", [])
        db.session.commit()
    response = getattr(client, method)(url)
    assert response.status_code in (302, 400)
    sign_in(client, "op")
    response = getattr(client, method)(url, data={"csrf_token": csrf(client, "/operator/")})
    assert response.status_code == 403
