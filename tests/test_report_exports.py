"""The report's tables and every way it leaves the site: XLSX, CSV, JSON, print, PDF, CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from flask_babel import force_locale

from stationsite.reports import exports, tables
from stationsite.reports.model import (
    Candidate,
    Cell,
    Comparison,
    CoverageFigures,
    FaultRow,
    FeedbackFigures,
    OpenProblem,
    RankRow,
    Report,
    Scope,
    StationFigures,
    StationVisits,
    VisitFigures,
)
from stationsite.reports.periods import parse

from .test_operator import sign_in

CATEGORIES = (
    "praise",
    "suggestion",
    "cleanliness",
    "facility_fault",
    "missing_facility",
    "hours_wrong",
    "closed_when_open",
    "other",
)
EVIL = '=HYPERLINK("http://evil")'


def make_report(period="2026-11", stations=3, **overrides) -> Report:
    """A small report by hand: 1,234 visits, 7 feedback items rated 4.3 on average."""
    period = parse(period)
    days = [period.start + timedelta(days=n) for n in range(period.days)]
    station_rows = [
        StationVisits(f"HZ-W-{n:03d}", f"测试驿站{n}", "西湖区", "warm_station", 100 - n, 60 - n)
        for n in range(stations)
    ]
    station_rows[-1].name = EVIL
    visits = VisitFigures(
        total=1234,
        by_group={
            "courier": 0,
            "food_delivery": 100,
            "sanitation": 0,
            "ride_hailing": 300,
            "other_outdoor": 400,
            "citizen": 434,
            "other": 0,
        },
        by_source={"checkin": 800, "tally": 434, "import": 0},
        by_day=[(d, 40 + d.day % 3) for d in days],
        by_month=[(date(period.start.year, period.start.month, 1), 1234)],
        heat=[[(day * 24 + hour) % 5 for hour in range(24)] for day in range(7)],
        by_district=[("西湖区", 1000), ("上城区", 234)],
        by_station=station_rows,
        least_used=list(reversed(station_rows)),
        stations_without_visits=0,
    )
    since = datetime(2026, 11, 20, 3, tzinfo=UTC)
    feedback = FeedbackFigures(
        count=7,
        rated=6,
        average=4.3,
        by_category={c: (3 if c == "praise" else 0) for c in CATEGORIES} | {"facility_fault": 4},
        trend=[(d, 1 if d.day % 5 == 0 else 0, 4.0 if d.day % 5 == 0 else None) for d in days],
        trend_grain="day",
        top_faults=[FaultRow("HZ-W-000", "测试驿站0", "microwave", "微波炉", 3)],
        open_count=2,
        open_by_age={"under_1d": 0, "1_3d": 1, "3_7d": 0, "over_7d": 1},
        open_problems=[
            OpenProblem(41, "HZ-W-000", "测试驿站0", "facility_fault", "微波炉", since, 12.5)
        ],
        resolved=2,
        resolve_median_h=30.0,
        resolve_p90_h=70.25,
        needing_answer=5,
        answered_24h=4,
        answered_24h_share=0.8,
    )
    ranking = [
        RankRow(s.code, s.name, s.district, s.kind, s.visits, 4.5 if n else None, 2 * n, n, None)
        for n, s in enumerate(station_rows)
    ]
    coverage = CoverageFigures(
        searches=50,
        served_1km=30,
        served_walk15=25,
        unserved_cells=[Cell(30.2745, 120.1551, 12, 20, "西湖区")],
        candidates=[Candidate(30.2745, 120.1551, "西湖区", 12)],
        hidden_cells=3,
    )
    values = dict(  # noqa: C408 - keyword form reads like the dataclass
        scope=Scope(period=period),
        lang="zh",
        generated_at=datetime(2026, 12, 1, 16, 30, tzinfo=UTC),  # 00:30 on 2 December in China
        stations=StationFigures(built=10, active=8, temporarily_closed=1, verified_30d=0),
        visits=visits,
        feedback=feedback,
        ranking=ranking,
        coverage=coverage,
        previous=Comparison(period.previous(), 1000, 0, None),
        year_before=Comparison(period.year_before(), 0, 2, 3.5),
        scope_label="",
    )
    return Report(**(values | overrides))


@pytest.fixture
def zh(app):
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        yield


@pytest.fixture
def en(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


# --- tables --------------------------------------------------------------------------------


def test_one_table_per_figure_in_page_order(zh):
    report = make_report()
    keys = [t.key for t in tables.tables(report)]
    assert keys == list(tables.KEYS)
    for table in tables.tables(report):
        assert all(len(row) == len(table.columns) for row in table.rows), table.key
        assert {c.fmt for c in table.columns} <= set(tables.FORMATS)
    assert tables.table_by_key(report, "ranking").key == "ranking"
    assert tables.table_by_key(report, "nope") is None


def test_tables_keep_zero_and_show_none_as_a_dash(zh):
    report = make_report()
    groups = tables.table_by_key(report, "visits_by_group")
    assert [row[0] for row in groups.rows][:3] == ["快递员", "外卖骑手", "环卫工人"]
    assert groups.rows[0][1] == 0 and tables.text(groups.rows[0][1], "int") == "0"
    headline = tables.table_by_key(report, "headline")
    assert headline.rows[0][4:7] == [1234, 7, 4.3]
    assert headline.rows[1][7] == pytest.approx(0.234)  # 1,234 against 1,000 visits before
    assert headline.rows[2][7] is None  # nothing a year before: no percentage, not infinity
    assert tables.text(headline.rows[1][6], "rating") == "—"
    assert tables.text(0.2345, "pct") == "23.4%" and tables.text(1234, "int") == "1,234"


def test_the_open_problems_table_says_it_holds_the_oldest_few(zh):
    """Two problems are open and one is listed: the title says so, so the printed report's
    "the spreadsheet has them all" is not read as every open problem."""
    table = tables.table_by_key(make_report(), "open_problems")
    assert (
        table.title == "等待最久的 1 个待处理问题（共 2 个）"
        and table.sheet == "等待最久的待处理问题"
    )


def test_heat_rows_are_hours_and_columns_weekdays(zh):
    report = make_report()
    heat = tables.table_by_key(report, "visits_heat")
    assert [c.label for c in heat.columns][1:] == [
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
    ]
    assert len(heat.rows) == 24 and heat.rows[5][0] == "05:00"
    assert heat.rows[5][1 + 2] == report.visits.heat[2][5]


def test_tables_follow_the_locale(en):
    report = make_report()
    assert tables.table_by_key(report, "visits_by_group").rows[0][0] == "Courier"
    assert tables.table_by_key(report, "headline").title == "Headline figures"
    assert tables.period_label(parse("2026-Q4")) == "2026 Q4"
    names = open_xlsx(exports.to_xlsx(report)).sheetnames  # whole words, not cut at 31
    assert {"Check-ins by hour and weekday", "No station within 1 km", "Candidate sites"} <= set(
        names
    )


# --- XLSX ----------------------------------------------------------------------------------


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_has_a_summary_and_a_sheet_per_table(zh):
    report = make_report()
    book = open_xlsx(exports.to_xlsx(report))
    assert len(book.sheetnames) == 1 + len(tables.KEYS)
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({name.lower() for name in book.sheetnames}) == len(book.sheetnames)
    assert "按时段和星期分的扫码签到" in book.sheetnames and "候选点位" in book.sheetnames
    summary = book.worksheets[0]
    values = list(summary.iter_rows(values_only=True))
    assert values[2][1] == datetime(2026, 11, 1)  # the period's first day, as a real date
    assert "2026-12-02 00:30" in [v for _k, v in values]  # generated at, in China time


def test_xlsx_cells_are_numbers_with_formats_under_a_frozen_chinese_header(zh):
    report = make_report()
    book = open_xlsx(exports.to_xlsx(report))
    by_group = book.worksheets[1 + tables.KEYS.index("visits_by_group")]
    assert by_group.freeze_panes == "A2"
    assert by_group["A1"].value and by_group["A1"].font.b
    assert by_group["A2"].value == "快递员"
    assert by_group["B2"].value == 0 and by_group["B2"].number_format == "0"
    assert by_group["B3"].value == 100 and by_group["C3"].number_format == "0.0%"
    assert by_group["C3"].value == pytest.approx(100 / 1234)
    ranking = book.worksheets[1 + tables.KEYS.index("ranking")]
    headers = [cell.value for cell in ranking[1]]
    assert {"编号", "驿站", "区县", "类型"} <= set(headers)
    assert ranking["G2"].value is None  # no rating yet: an empty cell, not a dash
    assert ranking["G3"].value == 4.5 and ranking["G3"].number_format == "0.0"
    name_width = ranking.column_dimensions["C"].width
    assert name_width >= len("测试驿站0") * 2  # CJK characters count double
    day = book.worksheets[1 + tables.KEYS.index("visits_by_day")]
    assert day["A2"].value == datetime(2026, 11, 1) and day["A2"].number_format == "yyyy-mm-dd"


def test_xlsx_keeps_formula_looking_text_as_text(zh):
    report = make_report()
    book = open_xlsx(exports.to_xlsx(report))
    sheet = book.worksheets[1 + tables.KEYS.index("visits_by_station")]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + EVIL in names
    cell = next(c for c in sheet["C"] if c.value == "'" + EVIL)
    assert cell.data_type == "s"


def test_xlsx_of_an_empty_period_reads_zero(zh):
    report = make_report(stations=1)
    report.visits.by_station, report.ranking, report.coverage.candidates = [], [], []
    book = open_xlsx(exports.to_xlsx(report))
    sheet = book.worksheets[1 + tables.KEYS.index("ranking")]
    assert sheet.max_row == 1  # the header alone


# --- CSV and JSON -----------------------------------------------------------------------


def test_csv_has_a_bom_and_round_trips(zh):
    report = make_report()
    text = exports.to_csv(report, "visits_by_group")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1] == ["快递员", "0", "0.0%"]
    assert len(rows) == 1 + len(report.visits.by_group)


def test_csv_of_every_table_stacks_them_under_titles(zh):
    report = make_report()
    rows = list(csv.reader(io.StringIO(exports.to_csv(report).removeprefix("\ufeff"))))
    blank = [i for i, row in enumerate(rows) if not row]
    assert len(blank) == len(tables.KEYS)
    assert rows[0] == ["概要"] and ["范围", exports.scope_text(report)] in rows[: blank[0]]
    titles = [rows[i + 1] for i in blank]
    assert [t[0] for t in titles] == [t.title for t in tables.tables(report)]
    assert [cell for row in rows for cell in row if EVIL in cell][:1] == ["'" + EVIL]
    with pytest.raises(KeyError):
        exports.to_csv(report, "nope")


def test_json_has_the_spec_keys_and_serialises(zh):
    data = exports.to_json(make_report())
    json.dumps(data)
    assert data["period"] == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "key": "2026-11",
        "grain": "month",
    }
    assert {"period", "stations", "visits", "feedback", "coverage", "ranking", "comparison"} <= set(
        data
    )
    assert data["visits"]["total"] == 1234 and data["visits"]["by_group"]["courier"] == 0
    assert set(data["visits"]["by_station"][0]) >= {
        "code",
        "name",
        "district",
        "visits",
        "checkins",
    }
    assert "station_id" not in data["visits"]["by_station"][0]  # a row id, not a figure
    assert data["visits"]["by_day"][0] == {"date": "2026-11-01", "visits": 41}
    cell = data["coverage"]["unserved_cells"][0]
    assert cell["lat"] == 30.2745 and cell["searches"] == 12 and cell["district"] == "西湖区"
    assert data["coverage"]["served_1km"] == 30 and data["coverage"]["share_1km"] == 0.6
    assert data["comparison"]["previous"]["visits"] == 1000
    assert data["feedback"]["open_problems"][0]["since"].startswith("2026-11-20T11:00")


# --- routes ------------------------------------------------------------------------------


@pytest.fixture
def admin(demo_client):
    assert sign_in(demo_client, "demo-admin", "demo-password").status_code == 302
    return demo_client


@pytest.fixture
def operator(demo_client):
    assert sign_in(demo_client, "demo-operator", "demo-password").status_code == 302
    return demo_client


URLS = ("/reports/export.xlsx", "/reports/export.csv", "/reports/print", "/reports/print.pdf")


@pytest.mark.parametrize("url", URLS)
def test_downloads_need_sign_in(demo_client, url):
    response = demo_client.get(url + "?period=2026-11")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", URLS)
def test_bad_query_is_a_400(admin, url):
    response = admin.get(url + "?period=2026-13x")
    assert response.status_code == 400
    assert "2026-Q4" in response.get_data(as_text=True)


def test_unknown_csv_table_is_a_400(admin):
    assert admin.get("/reports/export.csv?period=2026-11&table=nope").status_code == 400


@pytest.mark.parametrize("url", URLS[:3])
def test_operator_cannot_reach_another_operators_station(operator, url):
    assert operator.get(url + "?period=2026-11&station=HZ-W-002").status_code == 403
    assert operator.get(url + "?period=2026-11&station=HZ-W-001").status_code == 200


def test_a_narrowed_download_is_named_for_what_it_covers(admin):
    from urllib.parse import quote

    query = "period=2026-11&district=西湖区&group=courier"
    disposition = admin.get(f"/reports/export.csv?{query}").headers["Content-Disposition"]
    assert 'filename="station-report-2026-11-courier.csv"' in disposition
    assert quote("驿站报告-2026-11-西湖区-courier.csv") in disposition


def test_xlsx_download_of_demo_data(admin):
    response = admin.get("/reports/export.xlsx?period=2026-11")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert 'filename="station-report-2026-11.xlsx"' in disposition
    assert "filename*=UTF-8''" in disposition
    book = open_xlsx(response.data)
    assert len(book.sheetnames) == 1 + len(tables.KEYS)


def test_csv_download_of_one_table(admin):
    response = admin.get("/reports/export.csv?period=2026-11&table=visits_by_group&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff") and "Courier" in text
    assert "station-report-2026-11-visits_by_group.csv" in response.headers["Content-Disposition"]


def test_print_page_shows_the_headline_figures(admin, demo_app):
    from stationsite.reports.figures import build_report

    response = admin.get("/reports/print?period=2026-11")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "驿站" in page and "report-print.css" in page
    with demo_app.test_request_context("/"), force_locale("zh_Hans_CN"):
        report = build_report(Scope(period=parse("2026-11")), "zh")
        total = tables.text(report.visits.total, "int")
    assert total in page
    english = admin.get("/reports/print?period=2026-11&lang=en").get_data(as_text=True)
    assert "Headline figures" in english and 'lang="en"' in english


def weasyprint_or_skip():
    from stationsite.reports.pdf import PdfUnavailable, _weasyprint

    try:
        _weasyprint()
    except PdfUnavailable as error:
        pytest.skip(f"WeasyPrint cannot load here: {error}")


def test_pdf_download(admin):
    weasyprint_or_skip()
    response = admin.get("/reports/print.pdf?period=2026-11")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"


def test_pdf_unavailable_is_a_503_pointing_at_the_print_page(admin, monkeypatch):
    from stationsite.reports import downloads
    from stationsite.reports.pdf import PdfUnavailable

    def broken(*_args, **_kwargs):
        raise PdfUnavailable("no pango")

    monkeypatch.setattr(downloads, "to_pdf", broken)
    response = admin.get("/reports/print.pdf?period=2026-11")
    assert response.status_code == 503 and "/reports/print" in response.get_data(as_text=True)


def test_pdf_fetcher_serves_static_files_only(app):
    from stationsite.reports.pdf import static_path

    def fetch(url):
        return static_path(app.static_folder, "http://localhost/", url)

    assert fetch("http://localhost/static/css/report-print.css").read_bytes().startswith(b"/*")
    for url in (
        "http://example.com/static/css/report-print.css",
        "http://localhost/reports/",
        "http://localhost/static/../setup.cfg",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetch(url)


# --- CLI ---------------------------------------------------------------------------------


def test_cli_json_to_stdout(demo_app):
    result = demo_app.test_cli_runner().invoke(
        args=["report", "--period", "2026-11", "--format", "json", "--output", "-"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period"]["from"] == "2026-11-01" and data["visits"]["total"] >= 0
    assert {"searches", "served_1km", "unserved_cells"} <= set(data["coverage"])


def test_cli_xlsx_to_a_file(demo_app, tmp_path):
    target = tmp_path / "report.xlsx"
    result = demo_app.test_cli_runner().invoke(
        args=["report", "--period", "2026-Q4", "--district", "西湖区", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    book = open_xlsx(target.read_bytes())
    groups = book.worksheets[1 + tables.KEYS.index("visits_by_group")]
    assert groups["A2"].value == "快递员"  # Chinese by default


def test_cli_csv_in_english(demo_app, tmp_path):
    target = tmp_path / "report.csv"
    args = ["report", "--period", "2026", "--format", "csv", "--lang", "en", "-o", str(target)]
    result = demo_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    written = target.read_text(encoding="utf-8")
    assert written.startswith("\ufeffSummary") and "\nHeadline figures\n" in written


def test_cli_rejects_a_bad_period_with_the_accepted_forms(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["report", "--period", "Nov"])
    assert result.exit_code == 2 and "2026-Q4" in result.output


def test_cli_rejects_an_unknown_station(demo_app):
    result = demo_app.test_cli_runner().invoke(
        args=["report", "--period", "2026-11", "--station", "XX-1", "--format", "json"]
    )
    assert result.exit_code == 2 and "XX-1" in result.output


def test_cli_rejects_a_district_without_stations(demo_app):
    result = demo_app.test_cli_runner().invoke(
        args=["report", "--period", "2026-11", "--district", "西湖", "--format", "json"]
    )
    assert result.exit_code == 2 and "西湖" in result.output


def test_cli_pdf(demo_app, tmp_path):
    weasyprint_or_skip()
    target = tmp_path / "report.pdf"
    result = demo_app.test_cli_runner().invoke(
        args=["report", "--period", "2026-11", "--format", "pdf", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")


def test_cli_refuses_binary_output_to_a_terminal(demo_app, monkeypatch):
    from stationsite.reports import cli

    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["report", "--period", "2026-11", "--output", "-"])
    assert result.exit_code == 2 and "--output FILE" in result.output
    result = runner.invoke(args=["report", "--period", "2026-11", "--format", "json", "-o", "-"])
    assert result.exit_code == 0 and json.loads(result.stdout)["period"]["key"] == "2026-11"


def test_cli_writes_a_default_file_name_with_a_progress_bar(demo_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = demo_app.test_cli_runner().invoke(args=["report", "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    (written,) = tmp_path.glob("*-2026-11.xlsx")  # 驿站报告-2026-11.xlsx in Chinese
    assert open_xlsx(written.read_bytes()).sheetnames
