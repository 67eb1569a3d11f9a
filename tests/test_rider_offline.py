"""Installable, and the last results survive a lost signal (issue 9, part 9)."""


def test_manifest_makes_the_site_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    body = response.get_json()
    assert body["display"] == "standalone" and body["start_url"] == "/"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in body["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200


def test_the_worker_is_served_for_the_whole_site(client):
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.headers["Service-Worker-Allowed"] == "/"
        assert "no-cache" in response.headers["Cache-Control"]


def test_every_page_registers_it_with_the_shell_to_keep(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in page and "js/offline.js" in page
    assert "/sw.js?shell=" in page and "leaflet.js" in page.split("/sw.js?shell=")[1]
