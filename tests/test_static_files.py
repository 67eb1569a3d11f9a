"""Static files: content-hashed names, cached for a year, compressed (WhiteNoise)."""

from __future__ import annotations

import re

import pytest

from stationsite import static_files


@pytest.fixture
def hashed_client(app, tmp_path):
    from stationsite import create_app

    hashed = create_app(
        {**app.config, "STATIC_HASHED": True, "STATIC_BUILD_DIR": str(tmp_path / "static")}
    )
    return hashed.test_client()


def _get(client, url, **headers):
    """The response, read and closed (WhiteNoise streams an open file)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def test_pages_link_hashed_names_served_immutable_and_compressed(hashed_client):
    body = hashed_client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body).group(1)
    response = _get(hashed_client, css, **{"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=315360000" in response.headers["Cache-Control"]  # well over a year
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    gzip = _get(hashed_client, css, **{"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"
    plain = _get(hashed_client, "/static/css/site.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["Cache-Control"]


def test_leaflet_comes_after_the_content(hashed_client):
    body = hashed_client.get("/").get_data(as_text=True)
    head = body.split("</head>")[0]
    assert "leaflet" not in head
    assert body.index("<main") < body.index("/static/vendor/leaflet/leaflet.")


def test_a_changed_file_gets_a_new_name(tmp_path):
    source = tmp_path / "src"
    (source / "js").mkdir(parents=True)
    (source / "js" / "app.js").write_text("console.log(1)")
    _root, first = static_files.build(source, tmp_path / "out")
    (source / "js" / "app.js").write_text("console.log(2)")
    root, second = static_files.build(source, tmp_path / "out")
    assert first["js/app.js"] != second["js/app.js"]
    assert (root / second["js/app.js"]).read_text() == "console.log(2)"
    assert static_files.hashed_name("vendor/leaflet.heat/x", "abc") == "vendor/leaflet.heat/x.abc"


def test_a_read_only_instance_folder_leaves_plain_names(app, tmp_path):
    from stationsite import create_app

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    plain = create_app(
        {**app.config, "STATIC_HASHED": True, "STATIC_BUILD_DIR": str(blocked / "static")}
    )
    assert "/static/css/site.css" in plain.test_client().get("/").get_data(as_text=True)


def test_the_pdf_renderer_reads_stylesheets_linked_by_hashed_name(hashed_client):
    """The printable report links its stylesheet by its hashed name, a copy outside the static
    folder the PDF renderer reads: the name leads back to the file, or WeasyPrint would leave
    the stylesheet out without a word and the PDF would come out unstyled."""
    from flask import url_for

    from stationsite.reports.pdf import static_path

    app = hashed_client.application
    with app.test_request_context("/reports/print"):
        linked = url_for("static", filename="css/report-print.css")
    assert re.fullmatch(r"/static/css/report-print\.[0-9a-f]{12}\.css", linked)
    url = f"http://localhost{linked}"
    with pytest.raises(ValueError):  # as it was: no such file in the static folder
        static_path(app.static_folder, "http://localhost/", url)
    found = static_path(app.static_folder, "http://localhost/", url, static_files.plain_names(app))
    assert found.name == "report-print.css" and found.read_bytes().startswith(b"/*")
