"""Installable, and usable offline: the web app manifest and the service worker (at the site's
root, so it may keep every page)."""

from __future__ import annotations

from flask import current_app, send_from_directory, url_for
from flask_babel import gettext as _

from . import bp

SHELL = (
    "css/site.css",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "vendor/coordtransform/coordtransform.js",
    "js/datum.js",
    "js/stationmap.js",
    "js/stationpage.js",
    "js/offline.js",
    "icons/favicon.svg",
)


def worker_url() -> str:
    shell = [url_for("static", filename=name) for name in SHELL] + [url_for("stations.icons")]
    return url_for("stations.service_worker", shell=",".join(shell))


@bp.get("/sw.js")
def service_worker():
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    name = current_app.config["SITE_NAME"]
    body = {
        "name": name,
        "short_name": _("Stations"),
        "start_url": url_for("stations.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b8420c",
        "lang": "zh-CN",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/app-{n}.png"),
                "sizes": f"{n}x{n}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for n in (192, 512)
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response
