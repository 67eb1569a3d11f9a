"""Static files served by WhiteNoise: content-hashed names cached for a year, compressed once.

At start-up the static folder is copied into the instance folder (once per content: the
folder's name is a hash of every file), each file also under a name carrying a hash of its
content (`js/stationmap.3f2a9c1b04de.js`), and compressed with gzip and Brotli beside it
(WhiteNoise's compressor). `url_for('static', ...)` gives the hashed name, which WhiteNoise
serves as immutable (cached for a year and more); a changed file gets a new name, so nobody
keeps an old copy. The plain names stay served too, cached briefly (a service worker or a
stylesheet may ask for them). Off in tests unless STATIC_HASHED is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

MANIFEST = "manifest.json"


def _digest(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()[:12]


def hashed_name(name: str, digest: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{name}.{digest}"


def _files(source: Path) -> dict[str, bytes]:
    return {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def build(source: Path, into: Path) -> tuple[Path, dict[str, str]]:
    """The hashed and compressed copy of `source` under `into` (made once), and its manifest
    (plain name -> hashed name)."""
    files = _files(source)
    tree = _digest("".join(f"{n}:{_digest(d)}" for n, d in files.items()).encode())
    target = into / tree
    if (target / MANIFEST).exists():
        return target, json.loads((target / MANIFEST).read_text())
    partial = into / f"{tree}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    manifest = {}
    compressor = Compressor(quiet=True)
    for name, data in files.items():
        manifest[name] = hashed_name(name, _digest(data))
        for written in (name, manifest[name]):
            path = partial / written
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            if compressor.should_compress(str(path)):
                list(compressor.compress(str(path)))
    (partial / MANIFEST).write_text(json.dumps(manifest))
    try:
        partial.rename(target)
    except OSError:  # another worker finished first: theirs is the same
        shutil.rmtree(partial, ignore_errors=True)
    return target, manifest


def init_app(app: Flask) -> None:
    enabled = app.config.get("STATIC_HASHED")
    if enabled is None:
        enabled = not app.testing
    if not enabled or not app.static_folder:
        return
    into = Path(app.config.get("STATIC_BUILD_DIR") or Path(app.instance_path) / "static")
    try:
        into.mkdir(parents=True, exist_ok=True)
        root, manifest = build(Path(app.static_folder), into)
    except OSError as error:  # a read-only instance folder: plain names, as Flask serves them
        app.logger.warning("static files served unhashed: %s", error)
        return
    immutable = {f"{app.static_url_path}/{hashed}" for hashed in manifest.values()}

    def add_headers(headers, _path, _url) -> None:
        headers["X-Content-Type-Options"] = "nosniff"

    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(root),
        prefix=app.static_url_path,
        max_age=3600,
        add_headers_function=add_headers,
        immutable_file_test=lambda _path, url: url in immutable,
    )

    @app.url_defaults
    def _hashed(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.extensions["static_manifest"] = manifest


def plain_names(app: Flask) -> dict[str, str]:
    """Each content-hashed static name (`css/site.3f2a9c1b04de.css`) and the file it is a copy
    of (`css/site.css`): for a reader of the static folder itself, such as the PDF renderer.
    Empty when names are not hashed."""
    return {hashed: plain for plain, hashed in app.extensions.get("static_manifest", {}).items()}
