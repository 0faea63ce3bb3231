"""WeasyPrint must never fetch anything but the app's own static files and allowed media."""

import base64
import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from meetings.pack import build_pack, gather_pack
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from wkp.pdf import PdfRenderError, render_pdf
from wkp.sanitise import clean_html
from wkp.typesetting import LockedFetcher

# These tests are about the render child and its fetcher: every render typesets.
pytestmark = pytest.mark.typeset_every_time


@pytest.fixture
def trap_server():
    """A local HTTP server that records every request: it must stay silent."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def hostile_documents(base):
    big = base64.b64encode(b"\x89PNG" + b"0" * (11 * 1024 * 1024)).decode()
    return [
        '<img src="file:///etc/passwd">',
        f'<img src="{base}/img.png">',
        f'<img srcset="{base}/a.png 1x">',
        f'<div style="background: url({base}/bg.png)">x</div>',
        f"<style>@import url({base}/import.css);</style>",
        f"<style>@font-face {{ font-family: x; src: url({base}/font.woff); }}</style>",
        f'<link rel="stylesheet" href="{base}/style.css">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<object data="{base}/object"></object><embed src="{base}/embed">',
        f'<iframe src="{base}/frame"></iframe>',
        f'<svg><image href="{base}/svg.png"/></svg>',
        f'<base href="{base}/"><img src="relative.png">',
        '<img src="file:///dev/urandom">',
        f'<img src="data:image/png;base64,{big}">',
        '<img src="https://wkp.invalid/static/../../../etc/passwd">',
        '<img src="https://wkp.invalid/media/papers/someone-elses.pdf">',
    ]


def test_hostile_references_are_refused_and_nothing_is_fetched(trap_server):
    base, hits = trap_server
    for body in hostile_documents(base):
        fetcher = LockedFetcher()
        # A fetch that hung would end in RenderTimeout, failing the test: no clock needed.
        pdf = render_pdf(f"<html><body><p>Text</p>{body}</body></html>", name="t", fetcher=fetcher)
        assert fetcher.served == [], body[:60]
        assert "root:" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            fetcher.fetch("file:///etc/passwd")
    assert hits == []


def test_the_fetcher_serves_the_apps_own_static_files():
    fetcher = LockedFetcher()
    head = '<link rel="stylesheet" href="/static/css/print.css">'
    render_pdf(f"<html><head>{head}</head><body>x</body></html>", name="t", fetcher=fetcher)
    assert fetcher.served == ["https://wkp.invalid/static/css/print.css"]


@pytest.mark.parametrize("depth", [50, 200, 3000])
def test_deep_nesting_is_capped_by_the_sanitiser_and_renders(depth):
    html = "<div>" * depth + "deep" + "</div>" * depth
    cleaned = clean_html(html.replace("div", "blockquote"))
    pdf = render_pdf(f"<html><body>{cleaned}</body></html>", name="Paper Z")
    assert "deep" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_unsanitised_deep_nesting_fails_with_a_clear_message_not_a_crash():
    html = "<div>" * 3000 + "deep" + "</div>" * 3000
    with pytest.raises(PdfRenderError, match="Paper Z"):
        render_pdf(f"<html><body>{html}</body></html>", name="Paper Z")


@pytest.mark.django_db
def test_a_paper_with_hostile_html_still_builds_a_pack_without_fetching(
    trap_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base, hits = trap_server
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    # Stored content is cleaned on save by the form; here it is written raw, as a worst case.
    paper = PaperFactory(
        meeting=meeting,
        letter="A",
        body_html="".join(hostile_documents(base)[:12]) + "<p>Still here</p>",
    )
    item.papers.add(paper)
    built = build_pack(gather_pack(meeting))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(built.pdf)).pages)
    assert "Still here" in text
    assert hits == []
