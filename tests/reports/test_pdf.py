"""PDF rendering: real pages, and no request leaves phiward whatever the HTML asks for."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pypdfium2 as pdfium
import pytest

from phiward.reports import pictures as charts
from phiward.reports.pdf import FetchRefused, _static, render_pdf


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback that records every request it gets."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_pdf_pages_render_with_text_and_pictures() -> None:
    svg = charts.heat_map("five_level", {(5, 5): 3}, title="Residual risk")
    pdf = render_pdf(f"<html><body><h1>Risk analysis</h1><p>Scope: the EHR</p>{svg}</body></html>")
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "Scope: the EHR" in text and "Residual risk" in text
    image = page.render(scale=0.5).to_pil().convert("L")
    low, high = image.getextrema()
    assert low < 100 < high  # ink on paper, not a blank page


def test_nothing_is_fetched_from_outside(listener: tuple[str, list[str]]) -> None:
    base, seen = listener
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/evil.css">'
        f"<style>@import url({base}/imported.css);</style></head>"
        f'<body><img src="{base}/pixel.png"><p>hello</p></body></html>'
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert seen == []


def test_static_files_are_served_and_parent_paths_refused() -> None:
    data, mime = _static("phiward-static:/phiward/phiward.css")
    assert mime == "text/css" and len(data) > 100
    with pytest.raises(FetchRefused):
        _static("phiward-static:/../../etc/passwd")
    with pytest.raises(FetchRefused):
        _static("file:///etc/passwd")
