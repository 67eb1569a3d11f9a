import pytest
from sqlalchemy import func, select

from stationsite.extensions import db
from stationsite.models import Feedback, Station, StationStatus, User, Visit


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def _context(ctx):
    """CLI results are checked in the database directly."""


def test_init_db_is_repeatable(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "latest migration" in result.output


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = [count(m) for m in (Station, Feedback, Visit, User)]
    assert counts[0] == 30
    second = runner.invoke(args=["seed-demo"])
    assert "0 stations created" in second.output
    assert [count(m) for m in (Station, Feedback, Visit, User)] == counts


def test_seed_demo_covers_the_states_pages_need(runner):
    runner.invoke(args=["seed-demo"])
    stations = db.session.scalars(select(Station)).all()
    kinds = [s.kind.value for s in stations]
    assert kinds.count("toilet_station") == 18 and kinds.count("warm_station") >= 12
    assert any(
        s.status is StationStatus.TEMPORARILY_CLOSED and s.closure_reason and s.closed_until
        for s in stations
    )
    assert any(s.opening_hours == "24/7" for s in stations)
    assert any(
        f.state.value == "out_of_order" and f.facility.code == "microwave"
        for s in stations
        for f in s.facilities
    )
    assert len({s.district for s in stations}) >= 8
    assert all("演示" in s.name_zh and "0000" in s.phone for s in stations)


def test_seed_demo_if_empty_leaves_existing_data(runner, make_station):
    make_station()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in result.output
    assert count(Station) == 1


def test_create_user(runner, make_station):
    station = make_station(code="HZ-T-001")
    result = runner.invoke(
        args=[
            "create-user",
            "alice",
            "--role",
            "operator",
            "--station",
            station.code,
            "--password",
            "s3cret-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "alice"))
    assert user.check_password("s3cret-pass")
    assert [s.code for s in user.stations] == ["HZ-T-001"]


def test_create_user_prompts_for_a_password(runner):
    result = runner.invoke(
        args=["create-user", "bob", "--role", "admin"], input="another-pass\nanother-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "bob")).role.value == "admin"


def test_create_user_errors_are_clear(runner):
    runner.invoke(args=["create-user", "carol", "--role", "admin", "--password", "long-enough"])
    duplicate = runner.invoke(
        args=["create-user", "carol", "--role", "admin", "--password", "long-enough"]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(args=["create-user", "dave", "--role", "admin", "--password", "short"])
    assert "at least 8" in short.output
    unknown = runner.invoke(
        args=[
            "create-user",
            "erin",
            "--role",
            "operator",
            "--station",
            "NOPE-1",
            "--password",
            "long-enough",
        ]
    )
    assert "unknown station code: NOPE-1" in unknown.output
    blank = runner.invoke(args=["create-user", " ", "--role", "admin", "--password", "long-enough"])
    assert "must not be empty" in blank.output


def test_generate_stations_clusters_around_chinese_cities(runner):
    result = runner.invoke(args=["generate-stations", "--count", "300"])
    assert result.exit_code == 0, result.output
    assert "Added 300 synthetic stations" in result.output
    stations = db.session.scalars(select(Station).where(Station.code.like("GEN-%"))).all()
    assert len(stations) == 300
    assert all(18 < s.lat < 54 and 73 < s.lon < 136 for s in stations)
    assert len({s.city for s in stations}) > 50
    assert {s.kind.value for s in stations} == {"warm_station", "toilet_station"}
    assert all(s.facilities for s in stations)
    again = runner.invoke(args=["generate-stations", "--count", "10"])
    assert again.exit_code == 0
    assert count(Station) == 310  # codes continue, never collide


def test_generate_stations_rejects_a_bad_count(runner):
    assert runner.invoke(args=["generate-stations", "--count", "0"]).exit_code != 0


def test_import_and_export_stations_round_trip(runner, tmp_path):
    runner.invoke(args=["seed-demo"])
    exported = tmp_path / "all.geojson"
    assert (
        runner.invoke(
            args=["export-stations", "--format", "geojson", "-o", str(exported)]
        ).exit_code
        == 0
    )
    result = runner.invoke(args=["import-stations", str(exported)])
    assert result.exit_code == 0, result.output
    assert "Created 0, updated 0, unchanged 30, failed 0" in result.output
    table = tmp_path / "all.csv"
    runner.invoke(args=["export-stations", "-o", str(table)])
    assert "unchanged 30" in runner.invoke(args=["import-stations", str(table)]).output


def test_import_reports_bad_rows_and_dry_runs(runner, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(
        "code,name,kind,lat,lon\nA-1,好驿站,warm_station,30.2,120.1\n"
        "A-2,,warm_station,30.2,120.1\nA-3,坏类型,castle,30.2,120.1\n",
        encoding="utf-8",
    )
    dry = runner.invoke(args=["import-stations", str(source), "--dry-run"])
    assert "Would create 1" in dry.output and "row 3: error: missing name\n" in dry.output
    assert "row 4: error: unknown kind castle (use 暖心驿站 or 公厕驿站)" in dry.output
    assert count(Station) == 0
    done = runner.invoke(args=["import-stations", str(source)])
    assert "Created 1" in done.output and "failed 2" in done.output
    unreadable = tmp_path / "x.geojson"
    unreadable.write_bytes(b"{broken")
    assert runner.invoke(args=["import-stations", str(unreadable)]).exit_code != 0
