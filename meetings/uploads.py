"""Checks on uploaded paper files: by content, not by name, and bounded in size.

A PDF must open with pikepdf, not be encrypted and have pages; a Word file must be a real
.docx package (not macro-enabled, not a zip bomb). The text is extracted once, here, for search.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

MAX_DOCX_UNPACKED = 60 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    page_count: int | None
    text: str
    sha256: str
    size: int
    tagged: bool | None = None
    has_title: bool | None = None
    has_language: bool | None = None


def safe_name(name):
    """A display name without folders, control characters or direction overrides."""
    name = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        ch
        for ch in name
        if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    )
    cleaned = cleaned.strip(". ")
    if len(cleaned) > 150:
        # Keep the extension: the type check reads it, and a cut name must not lose ".pdf".
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = stem[: 149 - len(extension)] + "." + extension
        else:
            cleaned = cleaned[:150]
    return cleaned or "file"


def check_upload(uploaded):
    """Validate an uploaded paper file and return what we learnt about it."""
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
    digest = hashlib.sha256(data).hexdigest()
    name = safe_name(uploaded.name).lower()
    if data.lstrip()[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") != -1:
        if not name.endswith(".pdf"):
            raise ValidationError("The file is a PDF but its name does not end in .pdf.")
        return _check_pdf(data, digest, size)
    if data[:4] == b"PK\x03\x04":
        if not name.endswith(".docx"):
            raise ValidationError(
                "Only PDF files and Word documents (.docx) can be uploaded as papers."
            )
        return _check_docx(data, digest, size)
    raise ValidationError(
        "The file is neither a PDF nor a Word document (.docx), whatever its name says."
    )


def _check_pdf(data, digest, size):
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise ValidationError("The PDF is password-protected; please upload it without.")
            pages = len(pdf.pages)
            if pages == 0:
                raise ValidationError("The PDF has no pages.")
            root = pdf.Root
            tagged = bool(root.get("/MarkInfo", {}).get("/Marked", False)) and (
                "/StructTreeRoot" in root
            )
            has_language = "/Lang" in root
            title = pdf.docinfo.get("/Title") if pdf.docinfo is not None else None
            has_title = bool(title and str(title).strip())
            # qpdf opens lazily: a damaged stream surfaces only when the pack is written. Decode
            # every compressed stream once here so such a file is refused now.
            decode_streams(pdf)
    except pikepdf.PasswordError as error:
        raise ValidationError("The PDF is password-protected; please upload it without.") from error
    except ValidationError:
        raise
    except Exception as error:  # pikepdf/qpdf raise several kinds for damaged files.
        raise ValidationError("The PDF is damaged and cannot be read.") from error
    return CheckedFile(
        kind="pdf",
        page_count=pages,
        text=_pdf_text(data),
        sha256=digest,
        size=size,
        tagged=tagged,
        has_title=has_title,
        has_language=has_language,
    )


GENERAL_FILTERS = {"/FlateDecode", "/LZWDecode", "/ASCII85Decode", "/ASCIIHexDecode"}


def decode_streams(pdf):
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            filters = obj.get("/Filter")
            names = (
                [str(f) for f in filters]
                if isinstance(filters, pikepdf.Array)
                else [str(filters)]
                if filters is not None
                else []
            )
            if names and set(names) <= GENERAL_FILTERS:
                obj.read_bytes()


def _pdf_text(data):
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        parts, total = [], 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
            if total > MAX_TEXT_CHARS:
                break
        return "\n".join(parts)[:MAX_TEXT_CHARS]
    except Exception:  # Text is for search only; a PDF that opens but resists extraction is fine.
        return ""


def _check_docx(data, digest, size):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked > MAX_DOCX_UNPACKED:
                raise ValidationError("The Word document unpacks to more than 60 MB.")
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise ValidationError("The file is not a Word document (.docx).")
            types = package.read("[Content_Types].xml").decode("utf-8", "replace")
            if "vbaProject" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ValidationError(
                    "Word documents with macros cannot be uploaded; save it as a plain .docx."
                )
    except ValidationError:
        raise
    # A crafted package raises far more than BadZipFile: encrypted parts (RuntimeError), unknown
    # compression methods (NotImplementedError), corrupt deflate data (zlib.error), bad offsets
    # (ValueError) … found by tests/reliability/test_upload_fuzz.py.
    except Exception as error:
        raise ValidationError("The Word document is damaged and cannot be read.") from error
    text = docx_text(data)
    return CheckedFile(kind="docx", page_count=None, text=text, sha256=digest, size=size)


def docx_html(data):
    """Convert a .docx to (unsanitised) HTML with mammoth; callers must clean it."""
    import mammoth

    result = mammoth.convert_to_html(
        io.BytesIO(data), convert_image=mammoth.images.img_element(_no_images)
    )
    return result.value


def _no_images(image):
    return {"alt": image.alt_text or ""}


def docx_text(data):
    import mammoth

    try:
        return mammoth.extract_raw_text(io.BytesIO(data)).value[:MAX_TEXT_CHARS]
    except Exception as error:
        raise ValidationError("The Word document is damaged and cannot be read.") from error
