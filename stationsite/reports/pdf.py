"""The printable report as a PDF.

WeasyPrint, because it is a kept library that renders the very HTML and CSS of
/reports/print (A4 `@page` rules, the inline SVG charts) with no browser and no network,
so the PDF and the printed page can never disagree. It draws text with Debian's Pango, and
Chinese glyphs come from fontconfig's Noto Sans CJK (fonts-noto-cjk). When WeasyPrint or
Pango cannot load, `PdfUnavailable` says so; the page's own print-to-PDF still works.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the Pango library it needs could not be loaded here."""


def static_path(
    static_folder: str | Path, base_url: str, url: str, names: dict[str, str] | None = None
) -> Path:
    """The file under `static_folder` that `url` names; ValueError for anything else.
    `names`: content-hashed names and the files they copy (static_files.plain_names), as
    the pages link them.

    Only /static/ on the report's own origin: rendering never reaches the network and never
    reads outside the static folder.
    """
    root, base, parts = Path(static_folder).resolve(), urlsplit(base_url), urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
        raise ValueError(f"not fetched while rendering the report: {url[:80]}")
    if not path.startswith("/static/"):
        raise ValueError(f"not fetched while rendering the report: {url[:80]}")
    name = path.removeprefix("/static/")
    target = (root / (names or {}).get(name, name)).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise ValueError(f"no such static file: {path[:80]}")
    return target


def static_fetcher(static_folder: str | Path, base_url: str, names: dict[str, str] | None = None):
    """A WeasyPrint URL fetcher that serves this site's /static/ files from disk."""
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcherResponse

    class StaticFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            target = static_path(static_folder, base_url, url, names)
            mime_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime_type})

    return StaticFetcher()


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango or its friends are missing
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def to_pdf(
    html: str,
    base_url: str,
    static_folder: str | Path | None = None,
    names: dict[str, str] | None = None,
) -> bytes:
    """The HTML of the printable report as PDF bytes; PdfUnavailable if it cannot be done.
    `names`: see static_path. Without them a stylesheet linked by its hashed name is not
    found, and WeasyPrint leaves it out without a word: an unstyled report."""
    weasyprint = _weasyprint()
    fetcher = static_fetcher(static_folder or "/nonexistent", base_url, names)
    try:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        return document.write_pdf()
    except OSError as error:  # a library that loads lazily (fonts, Pango) failed here
        raise PdfUnavailable(str(error)) from error
