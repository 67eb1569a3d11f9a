"""No 500 for any input, on every form of the site: hypothesis posts generated data (NUL
bytes, lone surrogates, huge and odd Unicode, numbers at their edges, missing fields, unknown
choices) as the right signed-in role with a valid CSRF token, and no answer is a 500 and
nothing is logged as an unhandled error."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stationsite import create_app
from stationsite.extensions import db

from .conftest import BASE_CONFIG, postgres_database

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
STATION, OTHER = "HZ-W-003", "HZ-W-005"
PASSWORD = "fuzz-password-1"

EDGES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202e\u0000",
    "\ufeff",
    "𝕏𝕐",
    "٣٤",
    "１２",
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "99999999999999999999999",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "-inf",
    "0.1",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "0000-00-00",
    "2026-02-30",
    "25:61",
    "24:00",
    "=1+1",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 300,
    "长" * 2000,
    "a\x00长" * 2000,
]
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
NASTY = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Co", "Zs", "Mn"]), max_size=10),
    NUMBERS,
)


def value(plausible=()):
    """A field's value: missing (None), one that makes sense, or anything at all."""
    options = [st.none(), NASTY]
    if plausible:
        options.append(st.sampled_from(list(plausible)))
    return st.one_of(options)


@st.composite
def _mostly_sensible(draw, fields: dict) -> dict:
    """Sensible values with a few fields broken, so a request gets past the first check and
    the code behind it is reached with the odd value."""
    broken = draw(st.sets(st.sampled_from(sorted(fields)), max_size=3)) if fields else set()
    return {
        name: draw(value()) if name in broken or not plausible else draw(st.sampled_from(plausible))
        for name, plausible in fields.items()
    }


def form(**fields):
    anything = st.fixed_dictionaries({name: value(plausible) for name, plausible in fields.items()})
    return st.one_of(_mostly_sensible(fields), anything)


def path_segment(plausible):
    return st.one_of(
        st.sampled_from(plausible),
        NASTY.map(lambda text: quote(text, safe="", errors="surrogatepass")),
    )


def _encode(data: dict) -> bytes:
    """Form-encode as a browser would, lone surrogates included (as their raw bytes)."""
    return "&".join(
        f"{quote(k, errors='surrogatepass')}={quote(v, errors='surrogatepass')}"
        for k, v in data.items()
        if v is not None
    ).encode()


# --- the site, its people and their sessions ----------------------------------------------


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request, demo_db_file, tmp_path_factory):
    """SQLite, and PostgreSQL as production runs it (which refuses what SQLite stores)."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("fuzz")
        shutil.copy(demo_db_file, folder / "fuzz.sqlite3")
        yield f"sqlite:///{folder / 'fuzz.sqlite3'}"
        return
    with postgres_database() as url:
        app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
        with app.app_context():
            from stationsite.database import migrate_to_head
            from stationsite.demo import seed_demo

            migrate_to_head()
            seed_demo()
            db.session.commit()
            db.engine.dispose()
        yield url


@pytest.fixture(scope="module")
def site(database_url):
    app = create_app(
        {
            **BASE_CONFIG,
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": False,
            "PROPAGATE_EXCEPTIONS": False,  # an unhandled error answers 500, as in production
        }
    )
    from stationsite.users import create_user

    with app.app_context():
        create_user("fuzz-admin", PASSWORD, "admin")
        create_user("fuzz-op", PASSWORD, "operator", [STATION])
        create_user("fuzz-pw", PASSWORD, "operator", [STATION])
        victim = create_user("fuzz-victim", PASSWORD, "operator", [OTHER])
        db.session.commit()
        app.config["FUZZ_VICTIM"] = victim.id
    errors = Errors()
    app.logger.addHandler(errors)
    app.fuzz_errors, app.fuzz_answers = errors, Counter()
    yield app
    if os.environ.get("FUZZ_REPORT"):  # what the fuzzing got back, by status and route
        print("\n", database_url.split(":")[0], sorted(app.fuzz_answers.items()))
    app.logger.removeHandler(errors)
    with app.app_context():
        db.engine.dispose()


def _token(client, url="/auth/login") -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def _signed_in(app, username: str):
    client = app.test_client()
    answer = client.post(
        "/auth/login",
        data={"csrf_token": _token(client), "username": username, "password": PASSWORD},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    client.csrf = _token(client, "/auth/password")
    return client


@pytest.fixture(scope="module")
def people(site):
    anonymous = site.test_client()
    anonymous.csrf = _token(anonymous)
    feedback = anonymous.post(
        f"/api/v1/stations/{STATION}/feedback",
        json={"visitor_group": "courier", "category": "facility_fault", "facility": "microwave"},
    ).get_json()
    return {
        "anonymous": anonymous,
        "operator": _signed_in(site, "fuzz-op"),
        "admin": _signed_in(site, "fuzz-admin"),
        "changer": _signed_in(site, "fuzz-pw"),
        "feedback_id": feedback["id"],
    }


def _check(site, answer, what: str) -> None:
    errors, site.fuzz_errors.records[:] = list(site.fuzz_errors.records), []
    site.fuzz_answers[(answer.status_code, what.split(" ")[1][:40])] += 1
    assert answer.status_code < 500, f"{what}: {answer.status_code}"
    assert [r.getMessage() for r in errors] == [], what


def _post(site, client, url: str, data: dict, files: dict | None = None):
    data = {**data, "csrf_token": client.csrf}
    if files:
        fields = {k: v for k, v in data.items() if v is not None}
        fields = {
            k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            for k, v in fields.items()
        }
        answer = client.post(url, data={**fields, **files}, content_type="multipart/form-data")
    else:
        answer = client.post(
            url, data=_encode(data), content_type="application/x-www-form-urlencoded"
        )
    _check(site, answer, f"POST {url} {data!r:.300}")


def _get(site, client, url: str, query: dict):
    answer = client.get(f"{url}?{_encode(query).decode()}")
    _check(site, answer, f"GET {url} {query!r:.300}")


FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
GROUPS = ["courier", "food_delivery", "sanitation", "citizen", "other"]
CATEGORIES = ["praise", "facility_fault", "missing_facility", "closed_when_open", "other"]
FACILITIES = ["microwave", "drinking_water", "toilet", "aed", "teleporter"]
DATES = ["2026-11-30", "2026-11-30T08:00", "2026-12-31T23:59"]


# --- the public's forms -----------------------------------------------------------------

PUBLIC = {
    f"/stations/{STATION}/feedback": form(
        visitor_group=GROUPS,
        category=CATEGORIES,
        rating=["1", "5", "6", "0"],
        facility=FACILITIES,
        comment=["很好"],
        contact=["13800138000", "wechat_id"],
        website=[""],
    ),
    f"/stations/{STATION}/checkin": form(visitor_group=GROUPS),
    f"/stations/{STATION}/rate": form(visitor_group=GROUPS, rating=["1", "5"]),
    f"/stations/{STATION}/checkin/group": form(visitor_group=GROUPS),
    "/open311/v2/requests.json": form(
        service_code=CATEGORIES,
        lat=["30.2585", "91"],
        long=["120.1627"],
        address_id=[STATION],
        description=["坏了"],
        phone=["13800138000"],
        email=["a@example.org"],
        **{"attribute[visitor_group]": GROUPS, "attribute[facility]": FACILITIES},
    ),
}


@pytest.mark.parametrize("url", list(PUBLIC))
def test_public_forms_never_fail(site, people, url):
    @given(data=PUBLIC[url])
    @FUZZ
    def fuzz(data):
        _post(site, people["anonymous"], url, data)

    fuzz()


@given(
    report=path_segment(["1", "2147483647", "2147483648", "0"]),
    kind=path_segment(["me_too", "fixed", "still_broken"]),
)
@FUZZ
def test_votes_never_fail(site, people, report, kind):
    _post(site, people["anonymous"], f"/stations/{STATION}/reports/{report}/{kind}", {})


@given(data=form(filename=["photo.jpg", "x.png", ""], content=["", "GIF89a", "\x89PNG"]))
@FUZZ
def test_feedback_photos_never_fail(site, people, data):
    files = {
        "photos": (io.BytesIO((data["content"] or "").encode("utf-8", "replace")), "p.jpg"),
    }
    fields = {"visitor_group": "courier", "category": "praise", "rating": "5"}
    _post(site, people["anonymous"], f"/stations/{STATION}/feedback", fields, files)


@given(
    data=form(
        username=["fuzz-admin", "nobody"],
        password=[PASSWORD, "x"],
        next=["/admin/", "//evil.example"],
    )
)
@FUZZ
def test_sign_in_never_fails(site, data):
    client = site.test_client()
    client.csrf = _token(client)
    _post(site, client, "/auth/login", data)


@given(
    data=form(
        current=["wrong-password"], new=["another-password-2"], confirm=["another-password-2"]
    )
)
@FUZZ
def test_password_change_never_fails(site, people, data):
    _post(site, people["changer"], "/auth/password", data)


# --- the operator's forms ---------------------------------------------------------------

OP = f"/operator/stations/{STATION}"
DAY_FIELDS = {
    f"days-{n}-{name}": plausible
    for n in (0, 3, 6, 7)
    for name, plausible in (
        ("opens", ["08:00", "23:59"]),
        ("closes", ["18:00", "00:00"]),
        ("closed", ["y"]),
        ("all_day", ["y"]),
    )
}
OPERATOR = {
    f"{OP}/facilities": form(facility=FACILITIES, state=["working", "out_of_order", "removed"]),
    f"{OP}/facilities/details": form(
        facility=FACILITIES, hours=["24/7", "Mo-Su 07:00-19:00"], stock=["0", "10001"], note=["x"]
    ),
    f"{OP}/facilities/add": form(facility=FACILITIES),
    f"{OP}/hours": form(
        holidays=["same", "off", "custom"],
        raw=["24/7", "Mo-Fr 08:00-18:00; PH off", "Mo-Su 25:00-26:00"],
        **{"holiday-opens": ["09:00"], "holiday-closes": ["17:00"]},
        **DAY_FIELDS,
    ),
    f"{OP}/closure": form(reason=["维修"], until=["0001-01-01T00:00", "9999-12-31T23:59", *DATES]),
    f"{OP}/reopen": form(),
    f"{OP}/verify": form(),
    f"{OP}/tally": form(
        day=["0001-01-01", "9999-12-31", "2026-11-30"], courier=["3"], other=["100001"]
    ),
}


@pytest.mark.parametrize("url", list(OPERATOR))
def test_operator_forms_never_fail(site, people, url):
    @given(data=OPERATOR[url])
    @FUZZ
    def fuzz(data):
        _post(site, people["operator"], url, data)

    fuzz()


@given(
    facility=path_segment(FACILITIES),
    verdict=st.sampled_from(["confirm", "fine", "restore"]),
)
@FUZZ
def test_operator_facility_buttons_never_fail(site, people, facility, verdict):
    _post(site, people["operator"], f"{OP}/facilities/{facility}/{verdict}", {})


@given(
    target=path_segment(["own", "2147483647", "2147483648", "0"]),
    data=form(action=["acknowledge", "resolve", "reject", "reply", "explode"], reply=["好的"]),
)
@FUZZ
def test_operator_feedback_actions_never_fail(site, people, target, data):
    target = str(people["feedback_id"]) if target == "own" else target
    _post(site, people["operator"], f"/operator/feedback/{target}", data)


@given(data=form(status=["todo", "all", "resolved"], station=[STATION], category=CATEGORIES))
@FUZZ
def test_operator_inbox_filters_never_fail(site, people, data):
    _get(site, people["operator"], "/operator/feedback", data)


# --- the admin's forms ------------------------------------------------------------------

STATION_FIELDS = {
    "code": ["FZ-1", STATION],
    "kind": ["warm_station", "toilet_station"],
    "name_zh": ["测试驿站"],
    "name_en": ["Test"],
    "address": ["某路1号"],
    "district": ["西湖区"],
    "street": ["北山街道"],
    "lat": ["30.25", "nan", "inf", "91", "-1e400"],
    "lon": ["120.16", "nan", "181"],
    "operator_org": ["工会"],
    "phone": ["0571-1234567"],
    "opening_hours": ["24/7", "Mo-Su 07:00-19:00", "sometimes"],
    "status": ["open", "temporarily_closed", "closed"],
}
USER_FIELDS = {
    "username": ["fuzz-new", "fuzz-admin"],
    "display_name": ["某人"],
    "role": ["admin", "operator"],
    "stations": [STATION, f"{STATION}, NOPE"],
    "password": ["long-enough-password"],
    "active": ["1", "0", "y"],
}
ADMIN = {
    "/admin/stations/new": form(**STATION_FIELDS),
    f"/admin/stations/{OTHER}": form(**STATION_FIELDS),
    "/admin/users/new": form(**USER_FIELDS),
    "/admin/facilities": form(
        code=["fz_thing", "microwave"],
        name_zh=["东西"],
        name_en=["Thing"],
        icon=["microwave"],
        lendable=["0", "1"],
        sort_order=["1", "2147483648"],
    ),
    "/admin/import/confirm": form(token=["0" * 32]),
    "/admin/places/import/confirm": form(token=["0" * 32]),
}


@pytest.mark.parametrize("url", list(ADMIN))
def test_admin_forms_never_fail(site, people, url):
    @given(data=ADMIN[url])
    @FUZZ
    def fuzz(data):
        _post(site, people["admin"], url, data)

    fuzz()


@given(data=form(**USER_FIELDS))
@FUZZ
def test_admin_user_edit_never_fails(site, people, data):
    _post(site, people["admin"], f"/admin/users/{site.config['FUZZ_VICTIM']}", data)


@given(
    data=form(filename=["stations.csv", "s.geojson", "s.xlsx", "places.osm", ""]),
    content=st.one_of(
        st.sampled_from(
            [
                b"",
                b"code,name_zh,lat,lon\nFZ-9,\xe6\xb5\x8b,nan,inf\n",
                b"\xff\xfe\x00\x00",
                b'{"type": "FeatureCollection", "features": [{}]}',
                b"PK\x03\x04garbage",
                b"<osm><node id='1' lat='91' lon='x'/></osm>",
            ]
        ),
        st.binary(max_size=300),
    ),
    where=st.sampled_from(["/admin/import", "/admin/places/import"]),
)
@FUZZ
def test_admin_uploads_never_fail(site, people, data, content, where):
    name = (data["filename"] or "").encode("utf-8", "replace").decode("utf-8")
    _post(site, people["admin"], where, {}, {"file": (io.BytesIO(content), name)})


# --- reports ----------------------------------------------------------------------------


@given(
    data=form(
        period=["2026-11", "2026-Q4", "2026", "2026-01-01..2026-12-31", "0001", "9999-Q5"],
        district=["西湖区"],
        kind=["warm_station", "toilet_station"],
        station=[STATION],
        group=GROUPS,
    ),
    where=st.sampled_from(
        ["/reports/", "/reports/export.csv", "/reports/print", "/reports/map.js"]
    ),
)
@FUZZ
def test_report_filters_never_fail(site, people, data, where):
    _get(site, people["admin"], where, data)


@given(
    data=form(
        service_request_id=["1", "٣", "2147483648", "1,2"],
        service_code=CATEGORIES,
        status=["open", "closed"],
        start_date=["0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00Z"],
        end_date=["9999-12-31T23:59:59-14:00"],
    )
)
@FUZZ
def test_open311_lists_never_fail(site, people, data):
    _get(site, people["anonymous"], "/open311/v2/requests.json", data)


@given(
    data=form(
        q=["西湖", "文新街道", "120.16,30.25"],
        lat=["30.2585", "nan", "91", "-inf"],
        lon=["120.1627", "nan", "inf"],
        near=["西湖"],
        kind=["warm_station", "toilet_station", "all"],
        open=["now", "arrival", "any"],
        h24=["y", "1"],
        mode=["ebike", "walk"],
        facility=FACILITIES,
        coord=["wgs84", "gcj02"],
    ),
    where=st.sampled_from(["/", f"/stations/{STATION}", "/admin/stations"]),
)
@FUZZ
def test_search_forms_never_fail(site, people, data, where):
    """The rider's locator (a GET form), the station page's trip, the admin's station search."""
    client = people["admin" if where.startswith("/admin") else "anonymous"]
    if where == "/admin/stations":
        data = {"q": data["q"]}
    _get(site, client, where, data)


@given(token=path_segment(["0" * 32, "abc"]), number=path_segment(["1", "2147483648"]))
@FUZZ
def test_open311_lookups_never_fail(site, people, token, number):
    for url in (f"/open311/v2/tokens/{token}.json", f"/open311/v2/requests/{number}.json"):
        answer = people["anonymous"].get(url)
        _check(site, answer, f"GET {url}")


# --- the causes found, one by one --------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (f"{OP}/facilities", {"facility": "teleporter", "state": "working"}),  # unknown code
        (f"{OP}/facilities", {"facility": " ", "state": "out_of_order"}),
        (f"{OP}/facilities/details", {"facility": "teleporter", "hours": "24/7"}),
        (f"{OP}/facilities/details", {"facility": "<absent>"}),  # known, not at this station
        (f"{OP}/facilities/details", {"facility": "microwave", "stock": "3"}),  # no hours, note
        (f"{OP}/closure", {"reason": "维修", "until": "0001-01-01T00:00"}),  # year 1
        ("/admin/stations/new", {**{k: v[0] for k, v in STATION_FIELDS.items()}, "lat": "nan"}),
        (f"/admin/stations/{OTHER}", {"lat": "-inf", "lon": "inf"}),
    ],
)
def test_each_cause_found_is_a_form_answer(site, people, url, data):
    client = people["admin" if url.startswith("/admin") else "operator"]
    if data.get("facility") == "<absent>":
        data = {"facility": _absent_facility(site)}
    answer = client.post(url, data={**data, "csrf_token": client.csrf})
    assert answer.status_code in ((302,) if "stock" in data else (400, 404))
    assert site.fuzz_errors.records == []


def _absent_facility(site) -> str:
    from sqlalchemy import select

    from stationsite.models import Station
    from stationsite.stations.services import known_facility_codes

    with site.app_context():
        station = db.session.scalar(select(Station).where(Station.code == STATION))
        present = {item.facility.code for item in station.facilities}
        return sorted(known_facility_codes() - present)[0]


@pytest.mark.parametrize(
    ("who", "url", "data", "status"),
    [
        ("admin", "/admin/users/<victim>", {"username": "fuzz-victim", "active": "1"}, 302),
        ("anonymous", f"/stations/{STATION}/checkin", {"visitor_group": "\r"}, 302),  # as none
        ("admin", "/admin/import/confirm", {"token": "x" * 300}, 404),
        ("admin", "/admin/places/import/confirm", {"token": "长" * 300}, 400),
    ],
)
def test_each_cause_found_on_posts(site, people, who, url, data, status):
    """The user edit: a post without `stations` keeps the user's (it was the list object)."""
    client = people[who]
    url = url.replace("<victim>", str(site.config["FUZZ_VICTIM"]))
    answer = client.post(url, data={**data, "csrf_token": client.csrf})
    assert answer.status_code == status
    assert site.fuzz_errors.records == []


@pytest.mark.parametrize(
    "query",
    [
        "service_code=%20",
        "service_code=praise,0.0",
        "service_request_id=2147483648,%D9%A3",
        "start_date=0001-01-01T00:00:00%2B14:00",
        "end_date=9999-12-31T23:59:59-14:00",
    ],
)
def test_each_cause_found_in_open311_lists(site, people, query):
    answer = people["anonymous"].get(f"/open311/v2/requests.json?{query}")
    assert answer.status_code == 200 and isinstance(answer.get_json(), list)
    assert site.fuzz_errors.records == []


def test_a_station_with_nan_coordinates_is_never_stored(site, people):
    from sqlalchemy import select

    from stationsite.models import Station

    fields = {k: v[0] for k, v in STATION_FIELDS.items()}
    client = people["admin"]
    answer = client.post(
        "/admin/stations/new",
        data={**fields, "code": "FZ-NAN", "lat": "nan", "csrf_token": client.csrf},
    )
    assert answer.status_code == 400
    with site.app_context():
        assert db.session.scalar(select(Station).where(Station.code == "FZ-NAN")) is None


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/admin/stations/%00"),
        ("admin", "/admin/stations/a%00b"),
        ("operator", "/operator/stations/%00"),
        ("anonymous", "/open311/v2/tokens/%E2%80%AE%00.json"),
        ("anonymous", "/photos/%00"),
        ("anonymous", "/follow/%00"),
        ("anonymous", "/stations/%00/qr.svg"),
        ("admin", "/admin/import/jobs/%00"),
    ],
)
def test_each_cause_found_in_paths(site, people, who, path):
    """A NUL in a URL's path (a station code, a token, a photo's name) is no such page; on
    PostgreSQL it was a 500 wherever the value reached a query."""
    assert people[who].get(path).status_code == 404
    assert site.fuzz_errors.records == []


@pytest.mark.parametrize(
    "body",
    [
        b"code,name_zh,lat,lon\nFZ-9,a\x00b,30.2,120.1\n",
        "name,lat,lon,district\n\x01西\x00湖,30.25,120.15,西\x00湖区\n".encode(),
        b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
        b'{"type":"Point","coordinates":[120.1,30.2]},"properties":{"name":"x\\u0000y",'
        b'"tourism":"museum","name:en":"\\ud800"}}]}',
    ],
)
def test_places_with_nul_in_a_name_are_previewed_and_saved(site, people, body):
    """A places upload with NUL or a lone surrogate in a name: the character is dropped (as
    the station import does), never a 500 on PostgreSQL."""
    client = people["admin"]
    name = "places.geojson" if body.startswith(b"{") else "places.csv"
    answer = client.post(
        "/admin/places/import",
        data={"csrf_token": client.csrf, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    token = re.search(r'name="token" (?:type="hidden" )?value="([0-9a-f]{32})"', answer.text)
    confirmed = client.post(
        "/admin/places/import/confirm",
        data={"csrf_token": client.csrf, "token": token.group(1)},
    )
    assert confirmed.status_code == 302
    assert site.fuzz_errors.records == []
