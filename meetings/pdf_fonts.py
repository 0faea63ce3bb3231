"""Fonts in assembled PDFs: the embedded font the running header and footer are stamped in, and
one copy of each font where appended parts brought their own.

PDF/UA and PDF/A allow only embedded fonts, and a standard font (Helvetica) renders differently
in every viewer, so stamps use DejaVu Sans (the print styles' font, Debian's fonts-dejavu-core),
subsetted to the characters the stamps use, as a simple TrueType font in WinAnsiEncoding.
"""

import functools
import hashlib
import io
import string

import pikepdf

STAMP_FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
STAMP_FONT_NAME = "DejaVuSans"
FIRST_CODE, LAST_CODE = 32, 255


def winansi_text(text):
    """The stamp's bytes (Windows-1252 covers – ‘ ’ “ ” £; anything else becomes "?")."""
    return text.encode("cp1252", errors="replace")


def _codes_to_chars(codes):
    chars = {}
    for code in codes:
        try:
            chars[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned
            continue
    return chars


@functools.cache
def _stamp_font_program(codes):
    """DejaVu Sans subsetted to the characters of `codes` (a sorted tuple of byte values): the
    font file, its widths per code (1/1000 em) and its metrics."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = _codes_to_chars(codes)
    font = TTFont(STAMP_FONT_FILE)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    widths = {}
    for code, char in chars.items():
        glyph = cmap.get(ord(char))
        widths[code] = round(hmtx[glyph][0] * scale) if glyph else 0
    head, os2, post = font["head"], font["OS/2"], font["post"]
    metrics = {
        "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
        "ascent": round(font["hhea"].ascent * scale),
        "descent": round(font["hhea"].descent * scale),
        "cap_height": round(getattr(os2, "sCapHeight", 729) * scale),
        "italic_angle": post.italicAngle,
    }
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # copyright, names and version (the licence asks)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in chars.values()])
    subsetter.subset(font)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue(), widths, metrics


def _subset_tag(codes):
    digest = hashlib.sha256(bytes(codes)).digest()
    return "".join(string.ascii_uppercase[byte % 26] for byte in digest[:6])


# Every printable Windows-1252 character: one subset (about 30 KB) serves every stamp, made once
# per process, rather than a new subset for each pack's page numbers and headings.
STAMP_CODES = tuple(code for code in range(FIRST_CODE, LAST_CODE + 1) if code != 127)


def stamp_font(pdf, texts=()):
    """An embedded DejaVu Sans font dictionary in `pdf` covering every character of `texts`
    (which Windows-1252 has; others print as "?")."""
    used = {code for text in texts for code in winansi_text(text)}
    codes = STAMP_CODES if used <= set(STAMP_CODES) else tuple(sorted(used | {63, 32}))
    program, widths, metrics = _stamp_font_program(codes)
    name = f"{_subset_tag(codes)}+{STAMP_FONT_NAME}"
    first, last = codes[0], codes[-1]
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/" + name),
        Flags=32,  # non-symbolic: codes map through WinAnsiEncoding to the (3,1) cmap
        FontBBox=pikepdf.Array(metrics["bbox"]),
        ItalicAngle=metrics["italic_angle"],
        Ascent=metrics["ascent"],
        Descent=metrics["descent"],
        CapHeight=metrics["cap_height"],
        StemV=80,
        FontFile2=pdf.make_stream(program, Length1=len(program)),
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/" + name),
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FirstChar=first,
            LastChar=last,
            Widths=pikepdf.Array([widths.get(code, 0) for code in range(first, last + 1)]),
            FontDescriptor=pdf.make_indirect(descriptor),
            ToUnicode=pdf.make_stream(_to_unicode(codes)),
        )
    )


def _to_unicode(codes):
    """A ToUnicode CMap, so that text extraction never has to guess from the encoding."""
    chars = _codes_to_chars(codes)
    lines = [f"<{code:02X}> <{ord(char):04X}>" for code, char in sorted(chars.items())]
    chunks = [lines[i : i + 100] for i in range(0, len(lines), 100)]
    body = "".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()


# ---- One copy of each font


MAX_DEPTH = 12


def _digest(obj, digest, seen, depth=0):
    """Feed a canonical form of `obj` (a font and everything it refers to) into `digest`."""
    if depth > MAX_DEPTH:  # no font is this deep; a loop in a damaged file would never end
        raise ValueError("font too deeply nested")
    if isinstance(obj, pikepdf.Stream):
        key = obj.objgen
        if key != (0, 0) and key in seen:
            digest.update(seen[key])
            return
        inner = hashlib.sha256()
        inner.update(b"S")
        _digest_dict(obj.stream_dict, inner, seen, depth, skip={"/Length"})
        inner.update(obj.read_raw_bytes())
        value = inner.digest()
        if key != (0, 0):
            seen[key] = value
        digest.update(value)
    elif isinstance(obj, pikepdf.Dictionary):
        _digest_dict(obj, digest, seen, depth)
    elif isinstance(obj, pikepdf.Array):
        digest.update(b"[")
        for item in obj:
            _digest(item, digest, seen, depth + 1)
        digest.update(b"]")
    else:
        digest.update(repr(obj).encode() + b"\x00")


def _digest_dict(obj, digest, seen, depth, skip=()):
    digest.update(b"<")
    for key in sorted(obj.keys()):
        if key in skip:
            continue
        digest.update(key.encode() + b"\x00")
        _digest(obj[key], digest, seen, depth + 1)
    digest.update(b">")


def share_fonts(pdf):
    """Point every page's font resources at one copy of each distinct font (appended parts each
    carry their own copy of the same subsets); the unused copies are not written on save.
    Returns how many references were redirected."""
    canonical, by_object, seen, redirected = {}, {}, {}, 0
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        if not isinstance(fonts, pikepdf.Dictionary):
            continue
        for key in list(fonts.keys()):
            font = fonts[key]
            if not font.is_indirect:
                continue
            objgen = font.objgen
            if objgen not in by_object:
                digest = hashlib.sha256()
                try:
                    _digest(font, digest, seen)
                except ValueError:
                    by_object[objgen] = font
                    continue
                by_object[objgen] = canonical.setdefault(digest.digest(), font)
            first = by_object[objgen]
            if first.objgen != objgen:
                fonts[key] = first
                redirected += 1
    return redirected
