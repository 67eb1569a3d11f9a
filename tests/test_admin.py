"""Union staff: import with a preview and per-row errors, exports, and who may get in."""

import io
import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from stationsite.extensions import db
from stationsite.models import AuditEntry, Station
from stationsite.users import create_user

from .test_operator import csrf, sign_in

COUNCIL_CSV = (
    "编号,名称,类型,地址,区县,街道,纬度,经度,开放时间,设施,坐标系\n"
    "XH-001,西湖文化广场公厕驿站,公厕驿站,拱墅区西湖文化广场,拱墅区,武林街道,30.2780,120.1636,"
    '早7点至晚7点,"厕所,直饮水",\n'
    "XH-002,断桥暖心驿站,暖心驿站,北山街,西湖区,北山街道,30.2590,120.1512,全天24小时,热水,gcj02\n"
    "XH-003,,暖心驿站,无名,西湖区,,30.25,120.15,8:00-18:00,,\n"
    "XH-004,坐标写反,暖心驿站,x,西湖区,,120.15,30.25,8:00-18:00,,\n"
).encode("gb18030")


@pytest.fixture
def staff(app, client, make_station):
    make_station(code="ADM-1")
    with app.app_context():
        create_user("boss", "long-password", "admin")
        create_user("op", "long-password", "operator", ["ADM-1"])
        db.session.commit()
    return client


ADMIN_PAGES = [
    ("get", "/admin/"),
    ("get", "/admin/import"),
    ("post", "/admin/import"),
    ("post", "/admin/import/confirm"),
    ("get", "/admin/export.csv"),
    ("get", "/admin/export.geojson"),
]


@pytest.mark.parametrize(("method", "url"), ADMIN_PAGES)
def test_admin_pages_need_sign_in(staff, method, url):
    response = getattr(staff, method)(url)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url"), ADMIN_PAGES)
def test_operators_may_not_use_admin_pages(staff, method, url):
    sign_in(staff, "op")
    response = getattr(staff, method)(url, data={"csrf_token": csrf(staff, "/operator/")})
    assert response.status_code == 403


def test_a_missing_upload_is_404(staff):
    sign_in(staff, "boss")
    response = staff.post(
        "/admin/import/confirm",
        data={"csrf_token": csrf(staff, "/admin/import"), "token": "deadbeef"},
    )
    assert response.status_code == 404


def upload(client, data: bytes, name: str):
    return client.post(
        "/admin/import",
        data={"csrf_token": csrf(client, "/admin/import"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_previews_then_applies_the_good_rows_idempotently(app, staff):
    sign_in(staff, "boss")
    preview = upload(staff, COUNCIL_CSV, "council.csv")
    page = unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200
    assert "4 行" in page or "4 rows" in page
    assert any(text in page for text in ("缺少名称", "missing name", "missing 名称"))
    assert "写反" in page or "look swapped" in page
    read_as = ("开放时间识别为 Mo-Su 07:00-19:00", "opening hours read as Mo-Su 07:00-19:00")
    assert any(text in page for text in read_as)  # English until the messages are extracted
    with app.app_context():
        assert db.session.scalar(select(func.count(Station.id))) == 1  # nothing yet
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', page).group(1)
    done = staff.post(
        "/admin/import/confirm", data={"csrf_token": csrf(staff, "/admin/import"), "token": token}
    )
    assert done.status_code == 302
    with app.app_context():
        stations = {s.code: s for s in db.session.scalars(select(Station))}
        assert set(stations) == {"ADM-1", "XH-001", "XH-002"}
        assert stations["XH-002"].opening_hours == "24/7"
        assert abs(stations["XH-002"].lat - 30.2590) > 1e-4  # GCJ-02 converted to WGS-84
        assert {f.facility.code for f in stations["XH-001"].facilities} == {
            "toilet",
            "drinking_water",
        }
        assert (
            db.session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "import")
            )
            == 2
        )
    again = upload(staff, COUNCIL_CSV, "council.csv")
    assert "更新" in unescape(again.get_data(as_text=True)) or "update" in again.get_data(
        as_text=True
    )


def test_bad_uploads_are_explained(staff):
    sign_in(staff, "boss")
    wrong_type = upload(staff, b"hello", "notes.pdf")
    assert wrong_type.status_code == 400 and 'id="file-errors"' in wrong_type.get_data(as_text=True)
    broken = upload(staff, b'{"type": "FeatureCollection", "features": [', "x.geojson")
    assert broken.status_code == 400 and "GeoJSON" in broken.get_data(as_text=True)
    nothing = staff.post("/admin/import", data={"csrf_token": csrf(staff, "/admin/import")})
    assert nothing.status_code == 400


def test_osm_geojson_with_opening_hours(app, staff):
    sign_in(staff, "boss")
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "node/123",
                "geometry": {"type": "Point", "coordinates": [120.16, 30.27]},
                "properties": {
                    "amenity": "toilets",
                    "name": "武林公厕",
                    "opening_hours": "Mo-Su 06:00-22:00",
                    "drinking_water": "yes",
                },
            }
        ],
    }
    page = upload(staff, json.dumps(document).encode(), "osm.geojson").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', page).group(1)
    staff.post(
        "/admin/import/confirm", data={"csrf_token": csrf(staff, "/admin/import"), "token": token}
    )
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "OSM-node-123"))
        assert station.kind.value == "toilet_station"
        assert station.opening_hours == "Mo-Su 06:00-22:00"
        assert sorted(f.facility.code for f in station.facilities) == ["drinking_water", "toilet"]


def test_exports_for_excel_and_openstreetmap(staff):
    sign_in(staff, "boss")
    table = staff.get("/admin/export.csv")
    assert table.mimetype == "text/csv"
    text = table.get_data(as_text=True)
    assert text.startswith("\ufeffcode,name_zh") and "ADM-1" in text
    geo = staff.get("/admin/export.geojson").get_json()
    [feature] = geo["features"]
    assert feature["properties"]["ref"] == "ADM-1" and feature["properties"]["amenity"]


STATION = {
    "code": "NEW-1",
    "kind": "warm_station",
    "name_zh": "新驿站",
    "name_en": "New station",
    "address": "新路1号",
    "district": "西湖区",
    "street": "文新街道",
    "lat": "30.28",
    "lon": "120.12",
    "operator_org": "工会",
    "phone": "0571-00000000",
    "opening_hours": "Mo-Su 08:00-20:00",
    "status": "open",
}


def save(client, url, **changes):
    return client.post(
        url, data={"csrf_token": csrf(client, "/admin/stations/new"), **STATION, **changes}
    )


def test_create_edit_and_retire_a_station(app, staff):
    sign_in(staff, "boss")
    assert staff.get("/admin/stations/new").status_code == 200
    created = save(staff, "/admin/stations/new")
    assert created.status_code == 302 and created.headers["Location"].endswith("/NEW-1")
    assert "新驿站" in staff.get("/stations/NEW-1").get_data(as_text=True)
    moved = save(staff, "/admin/stations/NEW-1", lat="30.2801", lon="120.1202")
    assert moved.status_code == 302
    page = unescape(staff.get("/admin/stations/NEW-1").get_data(as_text=True))
    assert "30.2801" in page and "boss" in page  # the audit trail shows who moved the pin
    save(staff, "/admin/stations/NEW-1", status="closed")
    nearby = staff.get("/api/v1/stations/nearby?lat=30.2801&lon=120.1202").get_json()
    assert "NEW-1" not in [f["id"] for f in nearby["features"]]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "station"))
        assert len(list(entries)) == 3


def test_station_form_errors_beside_fields(staff):
    sign_in(staff, "boss")
    taken = save(staff, "/admin/stations/new", code="ADM-1")
    assert taken.status_code == 400 and 'id="code-errors"' in taken.get_data(as_text=True)
    bad = save(staff, "/admin/stations/new", code="bad code!", lat="91", opening_hours="whenever")
    html = bad.get_data(as_text=True)
    assert all(f'id="{name}-errors"' in html for name in ("code", "lat", "opening_hours"))


def test_station_search(staff):
    sign_in(staff, "boss")
    assert "ADM-1" in staff.get("/admin/stations?q=ADM").get_data(as_text=True)
    assert "ADM-1" not in staff.get("/admin/stations?q=nothing-like-it").get_data(as_text=True)
    assert staff.get("/admin/stations/NOPE").status_code == 404


@pytest.mark.parametrize("url", ["/admin/stations", "/admin/stations/new", "/admin/stations/ADM-1"])
def test_station_admin_is_for_admins_only(staff, url):
    assert "/auth/login" in staff.get(url).headers["Location"]
    sign_in(staff, "op")
    assert staff.get(url).status_code == 403


def user_form(client, url, **data):
    base = {
        "csrf_token": csrf(client, "/admin/users/new"),
        "display_name": "王师傅",
        "role": "operator",
        "stations": "ADM-1",
        "password": "",
        "active": "1",
    }
    return client.post(url, data={**base, **data})


def test_accounts_create_assign_and_disable(app, staff):
    sign_in(staff, "boss")
    created = user_form(staff, "/admin/users/new", username="wang", password="wang-password")
    assert created.status_code == 302
    page = unescape(staff.get("/admin/users").get_data(as_text=True))
    assert "王师傅" in page and "ADM-1" in page
    with app.app_context():
        from stationsite.models import User

        wang = db.session.scalar(select(User).where(User.username == "wang"))
        wang_id = wang.id
        assert [s.code for s in wang.stations] == ["ADM-1"] and wang.check_password("wang-password")
    staff.post("/auth/logout", data={"csrf_token": csrf(staff, "/admin/")})
    assert sign_in(staff, "wang", "wang-password").status_code == 302
    staff.post("/auth/logout", data={"csrf_token": csrf(staff, "/operator/")})
    sign_in(staff, "boss")
    assert (
        user_form(
            staff, f"/admin/users/{wang_id}", username="wang", active="0", stations=""
        ).status_code
        == 302
    )
    staff.post("/auth/logout", data={"csrf_token": csrf(staff, "/admin/")})
    assert sign_in(staff, "wang", "wang-password").status_code == 400  # disabled


def test_account_errors_beside_fields(staff):
    sign_in(staff, "boss")
    no_password = user_form(staff, "/admin/users/new", username="li")
    assert no_password.status_code == 400
    unknown = user_form(
        staff, "/admin/users/new", username="li", password="li-password", stations="ADM-1, NOPE-9"
    )
    assert 'id="stations-errors"' in unknown.get_data(as_text=True)
    taken = user_form(staff, "/admin/users/new", username="op", password="op-password")
    assert 'id="username-errors"' in taken.get_data(as_text=True)
    short = user_form(staff, "/admin/users/new", username="zhao", password="short")
    assert 'id="password-errors"' in short.get_data(as_text=True)
    assert staff.get("/admin/users/9999").status_code == 404


@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new", "/admin/users/1"])
def test_accounts_are_for_admins_only(staff, url):
    assert "/auth/login" in staff.get(url).headers["Location"]
    sign_in(staff, "op")
    assert staff.get(url).status_code == 403


def test_the_facility_catalogue_grows_by_data(app, staff):
    sign_in(staff, "boss")
    token = csrf(staff, "/admin/facilities")
    added = staff.post(
        "/admin/facilities",
        data={
            "csrf_token": token,
            "code": "kettle",
            "name_zh": "电水壶",
            "name_en": "Kettle",
            "icon": "",
            "lendable": "0",
            "sort_order": "900",
        },
    )
    assert added.status_code == 302
    codes = [f["code"] for f in staff.get("/api/v1/facilities").get_json()["facilities"]]
    assert "kettle" in codes
    assert staff.get("/api/v1/stations?facility=kettle").status_code == 200  # no stale cache
    renamed = staff.post(
        "/admin/facilities",
        data={
            "csrf_token": token,
            "code": "kettle",
            "name_zh": "烧水壶",
            "name_en": "Kettle",
            "lendable": "0",
        },
    )
    assert renamed.status_code == 302
    assert "烧水壶" in staff.get("/admin/facilities").get_data(as_text=True)
    bad = staff.post(
        "/admin/facilities",
        data={"csrf_token": token, "code": "Bad Code", "name_zh": "", "name_en": ""},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="code-errors"' in html and 'id="name_zh-errors"' in html
    sign_in(staff, "op")
    assert staff.get("/admin/facilities").status_code == 403


def test_the_station_form_lists_facilities_and_restores_a_removed_one(app, make_station):
    make_station(code="AF-1", facilities=["microwave", "drinking_water"])
    with app.app_context():
        create_user("chief", "long-password", "admin")
        db.session.commit()
    client = app.test_client()
    sign_in(client, "chief")
    removed = client.post(
        "/operator/stations/AF-1/facilities",
        data={
            "csrf_token": csrf(client, "/admin/stations/AF-1"),
            "facility": "microwave",
            "state": "removed",
        },
    )
    assert removed.status_code == 302
    form = unescape(client.get("/admin/stations/AF-1").get_data(as_text=True))
    assert "直饮水" in form and "已撤除的设施" in form and "恢复" in form
    token = csrf(client, "/admin/stations/AF-1")
    restored = client.post(
        "/operator/stations/AF-1/facilities/microwave/restore", data={"csrf_token": token}
    )
    assert restored.status_code == 302
    form = unescape(client.get("/admin/stations/AF-1").get_data(as_text=True))
    assert "已撤除的设施" not in form


def test_the_csv_export_cannot_start_a_formula_and_imports_back_unchanged(app, make_station):
    from stationsite import stations_io

    evil = '=HYPERLINK("http://evil.example","点我")'
    make_station(code="FX-1", name_zh=evil, phone="+86 571 1234")
    with app.app_context():
        exported = stations_io.export_csv()
        row = next(line for line in exported.splitlines() if line.startswith("FX-1"))
        assert "'=HYPERLINK" in row and "'+86 571 1234" in row
        [parsed] = stations_io.parse(exported.encode("utf-8"), "stations.csv")
        assert not parsed.errors
        assert parsed.fields["name_zh"] == evil and parsed.fields["phone"] == "+86 571 1234"
