"""File names for downloads and stored files, made safe from whatever text they are built of.

Names come from what people typed (a body's short name or the initials of its name, an upload's
own name), and a row may hold what no form lets through now. A line break in a header makes
Django refuse the response, a quote ends a quoted name, a slash makes a stored name a folder.
`file_name` keeps the words, non-ASCII letters too, and drops the rest; Django's
`content_disposition_header` then writes `filename="…"` for an ASCII name and RFC 6266's
`filename*=utf-8''…` for any other (a header outside Latin-1 would otherwise go out MIME-encoded,
which browsers do not read as a name).
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Folder separators, the quote that ends a quoted header value, and what Windows refuses in names.
RESERVED = frozenset('\\/:*?"<>|')

# A file system allows 255 bytes a name; storage may add "_" and 7 characters to make it unique.
MAX_BYTES = 200


def file_name(text, default="download", *, max_bytes=MAX_BYTES):
    """`text` as a name every browser, file system and object store takes: control and format
    characters (line breaks, tabs, direction overrides), separators and reserved characters
    become spaces, runs of spaces one, no dot or space at either end, at most `max_bytes`."""
    kept = "".join(" " if ch in RESERVED or not ch.isprintable() else ch for ch in str(text))
    name = " ".join(kept.split()).strip(" .")
    if len(name.encode()) > max_bytes:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > 10:
            stem, dot, extension = name, "", ""
        room = max_bytes - len((dot + extension).encode())
        stem = stem.encode()[:room].decode(errors="ignore").rstrip(" .")
        name = stem + dot + extension if stem else ""
    return name or default


def attachment(content, name, *, content_type):
    """A response that offers `content` as a download named (safely) `name`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name(name))
    return response
