"""HTML to PDF with WeasyPrint, fetching nothing from the network.

Reports are rendered from Django templates to self-contained HTML (inline SVG pictures, one
stylesheet shipped with phiward). WeasyPrint is given a URL fetcher that serves only phiward's
own static files and refuses everything else, so a report can never make a request — whatever a
user typed into a field that ends up in the HTML.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

STATIC_PREFIX = "phiward-static:"
_PACKAGE_STATIC = ("phiward.web", "static")

# WeasyPrint and fontTools log every font subsetting step at INFO; reports need none of it.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)


class FetchRefused(Exception):
    pass


def _static(url: str) -> tuple[bytes, str]:
    """The bytes and media type of ``phiward-static:path``; anything else is refused."""
    if not url.startswith(STATIC_PREFIX):
        raise FetchRefused(f"reports fetch nothing from outside phiward (asked for {url[:60]!r})")
    relative = url[len(STATIC_PREFIX) :].lstrip("/")
    if ".." in relative.split("/"):
        raise FetchRefused("no parent paths")
    resource = resources.files(_PACKAGE_STATIC[0]).joinpath(_PACKAGE_STATIC[1], relative)
    suffix = relative.rsplit(".", 1)[-1]
    mime = {"css": "text/css", "svg": "image/svg+xml", "png": "image/png"}.get(
        suffix, "application/octet-stream"
    )
    return resource.read_bytes(), mime


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            data, mime = _static(url)
            return URLFetcherResponse(url, data, {"Content-Type": mime})

    return LocalOnlyFetcher()


def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=STATIC_PREFIX + "/", url_fetcher=_fetcher())
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)
