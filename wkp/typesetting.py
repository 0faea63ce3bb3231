"""The render child's side of wkp/pdf.py: WeasyPrint, and the URL fetcher it may use.

Loaded by the render fork server (wkp/render_server.py) and so by every render child forked from
it; never by the web process, which only sends HTML to a child and reads back a RenderedPdf
(loading WeasyPrint and its libraries added about 0.5 s and 20 MB to each process's start on an
idle machine, over a second under load). Its log lines keep the `wkp.pdf` logger's name.
"""

import base64
import binascii
import functools
import logging
import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.pdf import fonts as weasyprint_fonts
from weasyprint.text.ffi import harfbuzz
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from wkp import pdf_speed
from wkp.pdf import BASE_URL, PdfRenderError, RenderedPdf
from wkp.pdf_tags import with_margin_artifacts

pdf_speed.install()  # tagged output in linear time (see wkp/pdf_speed.py)

logger = logging.getLogger("wkp.pdf")

MAX_RESOURCE_BYTES = 10 * 1024 * 1024
MAX_DATA_URL_BYTES = 512 * 1024
MIME_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}


class RefusedURL(ValueError):
    pass


@dataclass
class LockedFetcher(URLFetcher):
    """Serves the app's static files and explicitly allowed media; refuses everything else."""

    allowed_media: frozenset = frozenset()
    refused: list = field(default_factory=list)
    served: list = field(default_factory=list)

    def __post_init__(self):
        super().__init__(allow_redirects=False)

    def fetch(self, url, headers=None):
        try:
            body, mime_type = self._resolve(url)
        except RefusedURL as refusal:
            self.refused.append(url[:200])
            logger.warning("PDF render refused a resource: %s", refusal)
            raise
        self.served.append(url[:200])
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    def _resolve(self, url):
        if url.startswith("data:"):
            return self._data_url(url)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or parts.query:
            raise RefusedURL(f"not an app resource: {url[:100]}")
        path = posixpath.normpath(unquote(parts.path)).lstrip("/")
        if ".." in path.split("/"):
            raise RefusedURL(f"path escapes its folder: {url[:100]}")
        static_prefix = settings.STATIC_URL.strip("/") + "/"
        if path.startswith(static_prefix):
            return self._static(path.removeprefix(static_prefix))
        if path.startswith("media/"):
            return self._media(path.removeprefix("media/"))
        raise RefusedURL(f"not an app resource: {url[:100]}")

    def _static(self, name):
        mime_type = MIME_TYPES.get(posixpath.splitext(name)[1].lower())
        if mime_type is None:
            raise RefusedURL(f"static file type not allowed: {name}")
        found = finders.find(name)
        if found:
            with open(found, "rb") as handle:
                return self._bounded(handle.read(MAX_RESOURCE_BYTES + 1), name), mime_type
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as handle:
                return self._bounded(handle.read(MAX_RESOURCE_BYTES + 1), name), mime_type
        raise RefusedURL(f"no such static file: {name}")

    def _media(self, name):
        if name not in self.allowed_media:
            raise RefusedURL(f"media file not allowed for this document: {name}")
        mime_type = MIME_TYPES.get(posixpath.splitext(name)[1].lower())
        if mime_type is None or mime_type == "text/css":
            raise RefusedURL(f"media file type not allowed: {name}")
        with default_storage.open(name) as handle:
            return self._bounded(handle.read(MAX_RESOURCE_BYTES + 1), name), mime_type

    def _data_url(self, url):
        header, _, payload = url.partition(",")
        if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
            raise RefusedURL("data: URL too large")
        mime_type = header[5:].split(";")[0] or "text/plain"
        if mime_type not in {"image/png", "image/jpeg", "image/svg+xml"}:
            raise RefusedURL(f"data: URL type not allowed: {mime_type}")
        try:
            data = (
                base64.b64decode(payload, validate=True)
                if header.endswith(";base64")
                else unquote(payload).encode()
            )
        except (binascii.Error, ValueError) as error:
            raise RefusedURL("data: URL is malformed") from error
        return self._bounded(data, "data: URL"), mime_type

    @staticmethod
    def _bounded(data, name):
        if len(data) > MAX_RESOURCE_BYTES:
            raise RefusedURL(f"resource too large: {name}")
        return data


@functools.cache
def font_configuration():
    """The process's one FontConfiguration. A new one per document reads Fontconfig's
    configuration again and starts Pango's font cache empty, 15-25 ms of every render; the fork
    server makes this one in its warm-up, so each render child starts with it warm (and changes
    only its own copy)."""
    return FontConfiguration()


def font_subsetter():
    """Which library WeasyPrint subsets fonts with here, by its own test: "harfbuzz", or
    "fonttools" (Python, about 0.2 s slower a document; Debian's libharfbuzz-subset0 is missing).
    WeasyPrint says so only in a warning the logging settings keep quiet."""
    if weasyprint_fonts.harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


def _has_margin_boxes(document):
    """Whether any page has a margin box with content (WeasyPrint keeps only those among its
    page box's children)."""
    return any(
        isinstance(box, MarginBox) for page in document.pages for box in page._page_box.children
    )


def typeset_document(html, name, allowed_media, tagged):
    """HTML → PDF bytes, page count and anchors (a RenderedPdf), in the render child. Tagged, the
    content of its margin boxes (running header, "page N of M") is marked as artifacts
    (wkp/pdf_tags.py); a document without any (the pack's parts) is not walked for them."""
    fetcher = LockedFetcher(allowed_media=frozenset(allowed_media))
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            font_config=font_configuration()
        )
        anchors = {}
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                anchors.setdefault(anchor, index)
        pdf = document.write_pdf(pdf_tags=tagged)
        if tagged and _has_margin_boxes(document):
            pdf = with_margin_artifacts(pdf)
    except MemoryError:
        raise
    except RecursionError as error:
        raise PdfRenderError(f"{name} is nested too deeply to typeset.") from error
    except Exception as error:  # WeasyPrint raises many kinds; the caller needs one.
        logger.exception("PDF render of %s failed", name)
        raise PdfRenderError(f"{name} could not be typeset ({type(error).__name__}).") from error
    return RenderedPdf(
        pdf=pdf,
        page_count=len(document.pages),
        anchors=anchors,
        served=tuple(fetcher.served),
        refused=tuple(fetcher.refused),
    )
