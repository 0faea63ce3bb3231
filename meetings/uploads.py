"""Checks on uploaded paper files: by content, not by name, bounded in size, and done once.

The web process only sniffs the first bytes (is it a PDF or a zip?) and reads the name. Everything
that parses the file runs once, at upload, in a child process with a wall-time, memory and output
limit (`wkp.pdf.run_isolated`, the isolation of rendering): the PDF is opened with qpdf, its page
count checked against a limit, every stream's decoded size counted against a cap (streamed, so a
1 GB stream in a 1 MB file costs no memory), active content (JavaScript, actions run on opening or
by annotations, launch actions, embedded files, XFA forms, multimedia) stripped, and the text
extracted for search; a Word file's parts are read against a decoded-size cap and the package
converted to HTML (mammoth), sanitised (nh3) and returned with its text. The web process stores
the results on the record (the cleaned PDF instead of the upload when anything was removed) and
never parses the file again: pages show the stored HTML, paper PDFs stamp the checked file in a
bounded child, and packs use the stored page count.
"""

import base64
import hashlib
import io
import logging
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, replace
from html import unescape

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from wkp.downloads import file_name
from wkp.pdf import (
    Limits,
    PdfRenderError,
    RenderOutputTooLarge,
    RenderTimeout,
    RenderTooLarge,
    run_isolated,
)

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000
MAX_DOCX_PARTS = 2_000
MB = 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    page_count: int | None
    text: str
    sha256: str = ""
    size: int = 0
    tagged: bool | None = None
    has_title: bool | None = None
    has_language: bool | None = None
    html: str = ""  # a Word paper as sanitised HTML
    cleaned: bytes | None = None  # the PDF to store instead of the upload (something was removed)
    removed: tuple = ()  # what was removed, in words

    def paper_fields(self):
        """What the check found, as the fields of the paper the file belongs to."""
        return {
            "file_kind": self.kind,
            "file_size": self.size,
            "file_sha256": self.sha256,
            "page_count": self.page_count,
            "file_text": self.text,
            "file_html": self.html,
            "pdf_tagged": self.tagged,
            "pdf_has_title": self.has_title,
            "pdf_has_language": self.has_language,
        }

    @property
    def removal_message(self):
        if not self.removed:
            return ""
        return (
            "Removed from the PDF before it was stored, because a PDF reader could run or open "
            f"them: {', '.join(self.removed)}. Members get the cleaned file."
        )


@dataclass(frozen=True)
class Caps:
    """The limits a child checks against (passed in: the child need not see test settings)."""

    max_pages: int
    max_decoded: int  # bytes: all of a PDF's streams, or all of a .docx's parts, decoded
    max_docx_xml: int  # bytes: the XML of a .docx (what the converter parses)
    text_seconds: float  # time allowed for text extraction (search only; partial after that)

    @classmethod
    def from_settings(cls):
        return cls(
            max_pages=settings.WKP_UPLOAD_MAX_PAGES,
            max_decoded=settings.WKP_UPLOAD_MAX_DECODED_MB * MB,
            max_docx_xml=settings.WKP_UPLOAD_MAX_DOCX_XML_MB * MB,
            text_seconds=settings.WKP_UPLOAD_TIMEOUT / 3,
        )


def upload_limits():
    return Limits(
        timeout=settings.WKP_UPLOAD_TIMEOUT,
        memory_mb=settings.WKP_UPLOAD_MEMORY_MB,
        # The cleaned PDF (at most a little larger than the upload), the HTML and the text.
        output_bytes=2 * settings.MAX_UPLOAD_BYTES + 2 * settings.WKP_UPLOAD_MAX_DOCX_XML_MB * MB,
    )


def safe_name(name):
    """An upload's own name (its last part, folders dropped) as it is shown and downloaded."""
    return file_name((name or "").replace("\\", "/").rsplit("/", 1)[-1], "file", max_bytes=150)


def check_upload(uploaded, *, convert=True):
    """Validate an uploaded file (in a bounded child) and return what we learnt about it.

    `convert`: also convert a Word file to HTML (papers show it; attachments only download)."""
    size = uploaded.size
    if not size:
        raise ValidationError("The file is empty.")
    if size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {filesizeformat(size)}; the limit is "
            f"{filesizeformat(settings.MAX_UPLOAD_BYTES)}."
        )
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    name = safe_name(uploaded.name).lower()
    kind = sniff_kind(data)
    if kind == "pdf":
        if not name.endswith(".pdf"):
            raise ValidationError("The file is a PDF but its name does not end in .pdf.")
        return inspect(data, "pdf", convert=convert)
    if kind == "docx":
        if not name.endswith(".docx"):
            raise ValidationError(
                "Only PDF files and Word documents (.docx) can be uploaded as papers."
            )
        return inspect(data, "docx", convert=convert)
    raise ValidationError(
        "The file is neither a PDF nor a Word document (.docx), whatever its name says."
    )


def sniff_kind(data):
    """ "pdf", "docx" (a zip, to be checked) or None, from the first bytes only."""
    if data.lstrip()[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    return None


def _refusal(error, label, limits):
    """Why a file is refused when its check in the child failed, in words."""
    if isinstance(error, RenderTimeout):
        return f"{label} took longer than {limits.timeout:g} seconds to check and was refused."
    if isinstance(error, RenderOutputTooLarge):
        return f"{label} holds too much text to store."
    if isinstance(error, RenderTooLarge):
        return f"{label} needs more than {limits.memory_mb} MB of memory to read and was refused."
    return f"{label} is damaged and cannot be read."


def inspect(data, kind, *, convert=True):
    """Every parse of an untrusted file, once, in a bounded child: a CheckedFile, or a
    ValidationError saying why the file is refused. `kind` comes from the file's first bytes."""
    limits = upload_limits()
    label = "The PDF" if kind == "pdf" else "The Word document"
    try:
        outcome = run_isolated(
            inspect_in_child, data, kind, convert, Caps.from_settings(), name=label, limits=limits
        )
    except PdfRenderError as error:
        raise ValidationError(_refusal(error, label, limits)) from error
    if isinstance(outcome, str):
        raise ValidationError(outcome)
    stored = outcome.cleaned if outcome.cleaned is not None else data
    return replace(outcome, sha256=hashlib.sha256(stored).hexdigest(), size=len(stored))


def inspect_in_child(data, kind, convert, caps):
    """Runs in the child: a CheckedFile, or the refusal as a string."""
    try:
        if kind == "pdf":
            return _inspect_pdf(data, caps)
        return _inspect_docx(data, convert, caps)
    except ValidationError as refusal:
        return " ".join(refusal.messages)


# ---- PDF


def _inspect_pdf(data, caps):
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise ValidationError("The PDF is password-protected; please upload it without.")
            # The declared count first: qpdf need not walk a tree that claims 20,000 pages.
            declared = _int(pdf.Root.get("/Pages", {}).get("/Count", 0))
            if declared > caps.max_pages:
                raise _too_many_pages(declared, caps)
            pages = len(pdf.pages)
            if pages == 0:
                raise ValidationError("The PDF has no pages.")
            if pages > caps.max_pages:
                raise _too_many_pages(pages, caps)
            root = pdf.Root
            tagged = bool(root.get("/MarkInfo", {}).get("/Marked", False)) and (
                "/StructTreeRoot" in root
            )
            has_language = "/Lang" in root
            title = pdf.docinfo.get("/Title") if pdf.docinfo is not None else None
            has_title = bool(title and str(title).strip())
            check_streams(pdf, caps.max_decoded)
            removed = strip_active_content(pdf)
            cleaned = None
            if removed:
                out = io.BytesIO()
                pdf.save(out, deterministic_id=True)
                cleaned = out.getvalue()
    except pikepdf.PasswordError as error:
        raise ValidationError("The PDF is password-protected; please upload it without.") from error
    except (ValidationError, MemoryError):
        raise
    except Exception as error:  # pikepdf/qpdf raise several kinds for damaged files.
        raise ValidationError("The PDF is damaged and cannot be read.") from error
    return CheckedFile(
        kind="pdf",
        page_count=pages,
        text=pdf_text(cleaned or data, caps.text_seconds),
        tagged=tagged,
        has_title=has_title,
        has_language=has_language,
        cleaned=cleaned,
        removed=removed,
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _too_many_pages(count, caps):
    return ValidationError(
        f"The PDF has {count:,} pages; the limit is {caps.max_pages:,}. Please split it."
    )


GENERAL_FILTERS = {"/FlateDecode", "/LZWDecode", "/ASCII85Decode", "/ASCIIHexDecode"}
FLATE = {"/FlateDecode", "/Fl"}
RUN_LENGTH = {"/RunLengthDecode", "/RL"}
ASCII_HEX = {"/ASCIIHexDecode", "/AHx"}
ASCII_85 = {"/ASCII85Decode", "/A85"}
# Image codecs: qpdf, WeasyPrint and the pack never decode them; they are counted as stored.
IMAGE_FILTERS = {
    "/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode", "/Crypt",
}  # fmt: skip


class DecodedTooLarge(ValidationError):
    pass


def _filter_names(stream):
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        return [str(f) for f in filters]
    return [str(filters)] if filters is not None else []


def check_streams(pdf, cap):
    """Count every stream's decoded size against `cap` (all streams together) without holding a
    bomb in memory, then let qpdf decode the general ones once: a damaged stream otherwise
    surfaces only when the pack is written (fix 2 in SECURITY.md)."""
    total = 0
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        names = _filter_names(obj)
        try:
            total += decoded_length(obj, names, cap - total)
        except DecodedTooLarge:
            raise _bomb(cap) from None
        if total > cap:
            raise _bomb(cap)
        if names and set(names) <= GENERAL_FILTERS:
            obj.read_bytes()


def _bomb(cap):
    return DecodedTooLarge(
        f"The file unpacks to more than {cap // MB} MB (a decompression bomb?) and was refused."
    )


def decoded_length(stream, names, budget):
    """The stream's decoded length, counted up to `budget` + 1 bytes (beyond it: refused)."""
    data = stream.read_raw_bytes()
    for index, name in enumerate(names):
        last = index == len(names) - 1
        try:
            if name in IMAGE_FILTERS:
                return len(data)
            if name in FLATE:
                if last:
                    return _inflated_length(data, budget)
                data = _inflate(data, budget)
            elif name in RUN_LENGTH:
                if last:
                    return _run_length_length(data, budget)
                break
            elif name in ASCII_HEX:
                hexdigits = re.sub(rb"\s", b"", data.split(b">", 1)[0])
                data = bytes.fromhex((hexdigits + b"0" * (len(hexdigits) % 2)).decode("ascii"))
            elif name in ASCII_85:
                body = re.sub(rb"\s", b"", data).removeprefix(b"<~").split(b"~>", 1)[0]
                data = base64.a85decode(body)
            else:  # LZW and anything unusual: qpdf decodes it, within the child's memory limit
                break
        except DecodedTooLarge:
            raise
        except Exception:  # damaged: qpdf decides below (it refuses or repairs)
            return len(data)
    else:
        return len(data)
    decoded = len(stream.read_bytes())
    if decoded > budget:
        raise _bomb(budget)
    return decoded


def _inflated_length(data, budget):
    inflater = zlib.decompressobj()
    total, pending = 0, data
    try:
        while pending and not inflater.eof:
            total += len(inflater.decompress(pending, MB))
            if total > budget:
                raise _bomb(budget)
            pending = inflater.unconsumed_tail
        total += len(inflater.flush())
    except zlib.error:  # damaged; qpdf's own decode decides
        pass
    if total > budget:
        raise _bomb(budget)
    return total


def _inflate(data, budget):
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, budget + 1)
    if len(out) > budget:
        raise _bomb(budget)
    return out


def _run_length_length(data, budget):
    total, at = 0, 0
    while at < len(data) and data[at] != 128:
        length = data[at]
        if length < 128:
            total, at = total + length + 1, at + length + 2
        else:
            total, at = total + 257 - length, at + 2
        if total > budget:
            raise _bomb(budget)
    return total


# Actions a PDF reader runs that reach outside the page: the words the co-ordinator is told.
ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "actions that launch programs",
    "/GoToR": "links that open other files",
    "/GoToE": "embedded files",
    "/ImportData": "form actions that read or send data",
    "/SubmitForm": "form actions that read or send data",
    "/Rendition": "multimedia",
    "/Movie": "multimedia",
    "/Sound": "multimedia",
    "/RichMediaExecute": "multimedia",
}
ACTIVE_ANNOTATIONS = {
    "/FileAttachment": "embedded files",
    "/RichMedia": "multimedia",
    "/Movie": "multimedia",
    "/Sound": "multimedia",
    "/Screen": "multimedia",
    "/3D": "multimedia",
}
OPEN_ACTION = "an action run when the file is opened"
AUTOMATIC = "actions run automatically (on opening a page or a field)"
MAX_DEPTH = 32


def _name(value):
    return str(value) if isinstance(value, pikepdf.Name) else ""


def _active_action(value):
    """What an action dictionary does, in words, if it is active content; else None."""
    if not isinstance(value, pikepdf.Dictionary):
        return None
    if _name(value.get("/Type")) not in ("", "/Action"):  # e.g. a structure element's /S
        return None
    kind = _name(value.get("/S"))
    if kind in ACTIVE_ACTIONS:
        return ACTIVE_ACTIONS[kind]
    if kind == "/URI" and str(value.get("/URI", "")).strip().lower().startswith("javascript:"):
        return "JavaScript"
    return None


def strip_active_content(pdf):
    """Remove what a PDF reader would run or open; return what was removed, in words."""
    removed = []

    def note(what):
        if what not in removed:
            removed.append(what)

    root = pdf.Root
    opening = root.get("/OpenAction")
    if isinstance(opening, pikepdf.Dictionary):  # an array is only a page to open at
        note(OPEN_ACTION)
        note(_active_action(opening) or OPEN_ACTION)
        del root["/OpenAction"]
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key, what in (("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "embedded files")):
            if key in names:
                del names[key]
                note(what)
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        del form["/XFA"]
        note("XFA forms")
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = []
            for annotation in annotations:
                subtype = (
                    _name(annotation.get("/Subtype"))
                    if isinstance(annotation, pikepdf.Dictionary)
                    else ""
                )
                if subtype in ACTIVE_ANNOTATIONS:
                    note(ACTIVE_ANNOTATIONS[subtype])
                else:
                    kept.append(annotation)
            if len(kept) != len(annotations):
                page.obj.Annots = pikepdf.Array(kept)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            _strip(obj, note, 0)
    return tuple(removed)


def _strip(obj, note, depth):
    """Strip active entries from one dictionary and the direct objects inside it (indirect ones
    are visited on their own by the caller's walk over every object)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Dictionary | pikepdf.Array) and not item.is_indirect:
                _strip(item, note, depth + 1)
        return
    if "/AA" in obj:
        del obj["/AA"]
        note(AUTOMATIC)
    for key in ("/A", "/Next", "/OpenAction"):
        what = _active_action(obj.get(key)) if key in obj else None
        if what:
            del obj[key]
            note(what)
    what = _active_action(obj)
    if what:  # an action met on its own (a name tree, an array of /Next): make it inert
        for key in list(obj.keys()):
            del obj[key]
        note(what)
        return
    if "/JS" in obj:
        del obj["/JS"]
        note("JavaScript")
    if "/EF" in obj or "/RF" in obj:  # a file specification carrying the file itself
        for key in ("/EF", "/RF"):
            if key in obj:
                del obj[key]
        note("embedded files")
    if isinstance(obj, pikepdf.Stream) and _name(obj.get("/Type")) == "/EmbeddedFile":
        obj.write(b"")
        note("embedded files")
    for key in list(obj.keys()):
        value = obj.get(key)
        if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
            _strip(value, note, depth + 1)


def pdf_text(data, seconds):
    """The text of a PDF for search: at most MAX_TEXT_CHARS, and what `seconds` allow."""
    from pypdf import PdfReader

    deadline = time.monotonic() + seconds
    parts, total = [], 0
    try:
        reader = PdfReader(io.BytesIO(data))
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
            if total > MAX_TEXT_CHARS or time.monotonic() > deadline:
                break
    except MemoryError:
        raise
    except Exception as error:  # Text is for search only: a PDF that resists extraction is fine.
        logger.info("Text extraction stopped: %s", type(error).__name__)
    return "\n".join(parts)[:MAX_TEXT_CHARS]


# ---- Word


def _inspect_docx(data, convert, caps):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            if len(infos) > MAX_DOCX_PARTS:
                raise ValidationError("The Word document has too many parts to be real.")
            names = {info.filename for info in infos}
            unpacked = sum(info.file_size for info in infos)
            if unpacked > caps.max_decoded:
                raise ValidationError(
                    f"The Word document unpacks to more than {caps.max_decoded // MB} MB."
                )
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise ValidationError("The file is not a Word document (.docx).")
            types = package.read("[Content_Types].xml").decode("utf-8", "replace")
            if "vbaProject" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ValidationError(
                    "Word documents with macros cannot be uploaded; save it as a plain .docx."
                )
            _read_parts(package, infos, caps)
    except (ValidationError, MemoryError):
        raise
    # A crafted package raises far more than BadZipFile: encrypted parts (RuntimeError), unknown
    # compression methods (NotImplementedError), corrupt deflate data (zlib.error), bad offsets
    # (ValueError) … found by tests/reliability/test_upload_fuzz.py.
    except Exception as error:
        raise ValidationError("The Word document is damaged and cannot be read.") from error
    if not convert:
        return CheckedFile(kind="docx", page_count=None, text="")
    from wkp.sanitise import clean_html

    try:
        html = clean_html(docx_html(data))
    except MemoryError:
        raise
    except Exception as error:  # bad XML, entity tricks, nesting too deep for the parser …
        raise ValidationError("The Word document is damaged and cannot be read.") from error
    return CheckedFile(kind="docx", page_count=None, text=html_text(html), html=html)


def _read_parts(package, infos, caps):
    """Decode every part once, counting: the zip reader stops each part at its declared size and
    checks its CRC, so the declared total bounds the work; the XML the converter parses has its
    own, lower cap."""
    unpacked = xml = 0
    for info in infos:
        is_xml = info.filename.lower().endswith((".xml", ".rels"))
        with package.open(info) as part:
            while chunk := part.read(MB):
                unpacked += len(chunk)
                xml += len(chunk) if is_xml else 0
                if unpacked > caps.max_decoded:
                    raise ValidationError(
                        f"The Word document unpacks to more than {caps.max_decoded // MB} MB."
                    )
                if xml > caps.max_docx_xml:
                    raise ValidationError(
                        f"The Word document's text and layout unpack to more than "
                        f"{caps.max_docx_xml // MB} MB, too much to convert for the intranet."
                    )


def docx_html(data):
    """Convert a .docx to (unsanitised) HTML with mammoth; callers must clean it. Only ever in
    the upload child (`inspect`)."""
    import mammoth

    result = mammoth.convert_to_html(
        io.BytesIO(data), convert_image=mammoth.images.img_element(_no_images)
    )
    return result.value


def _no_images(image):
    return {"alt": image.alt_text or ""}


BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|caption|blockquote)>|<br>")
CELL_END = re.compile(r"</t[dh]>")


def html_text(html):
    """Plain text of sanitised HTML, a line per block (for search)."""
    import nh3

    spaced = CELL_END.sub("\t", BLOCK_END.sub("\n", html))
    return unescape(nh3.clean(spaced, tags=set())).strip()[:MAX_TEXT_CHARS]
