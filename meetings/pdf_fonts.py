"""Fonts in assembled PDFs: the embedded font the running header and footer are stamped in, and
one copy of each font where appended parts brought their own.

PDF/UA and PDF/A allow only embedded fonts, and a standard font (Helvetica) renders differently
in every viewer, so stamps use DejaVu Sans (the print styles' font, Debian's fonts-dejavu-core),
subsetted to the characters the stamps use. It is a composite font (Type0, Identity-H: two bytes
a glyph), because a simple font's one byte a character (Windows-1252) printed "Dŵr", "Łukasz",
Greek and Cyrillic as "?".
"""

import dataclasses
import functools
import hashlib
import io
import string
import unicodedata

import pikepdf

STAMP_FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
STAMP_FONT_NAME = "DejaVuSans"
MISSING = "?"


@functools.cache
def _advances():
    """DejaVu Sans's advance width (1/1000 em) of each character it has, read once a process."""
    from fontTools.ttLib import TTFont

    font = TTFont(STAMP_FONT_FILE)
    scale = 1000 / font["head"].unitsPerEm
    hmtx = font["hmtx"]
    return {code: round(hmtx[glyph][0] * scale) for code, glyph in font.getBestCmap().items()}


def stamp_text(text):
    """`text` as the stamp prints it: composed (NFC: "w" and a combining circumflex are one ŵ),
    with "?" for a character DejaVu Sans lacks, where its .notdef glyph would show nothing."""
    advances = _advances()
    return "".join(
        char if ord(char) in advances else MISSING for char in unicodedata.normalize("NFC", text)
    )


def text_width(text, size):
    """How wide `text` prints in the stamp font at `size` points (no kerning is applied)."""
    advances = _advances()
    return sum(advances[ord(char)] for char in stamp_text(text)) * size / 1000


@functools.lru_cache(maxsize=64)  # a set of characters a document: bounded in a long-lived worker
def _stamp_font_program(chars):
    """DejaVu Sans subsetted to `chars` (a string of distinct characters, sorted): the font file,
    each character's glyph id in it, each glyph's width (1/1000 em) and the font's metrics."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(STAMP_FONT_FILE)
    scale = 1000 / font["head"].unitsPerEm
    head, os2, post = font["head"], font["OS/2"], font["post"]
    metrics = {
        "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
        "ascent": round(font["hhea"].ascent * scale),
        "descent": round(font["hhea"].descent * scale),
        # DejaVu Sans's OS/2 table (version 1) has no cap height: 729 is its H's (1493 units).
        "cap_height": round(os2.sCapHeight * scale) if os2.version >= 2 else 729,
        "italic_angle": post.italicAngle,
    }
    # Stamps are drawn a glyph a character, unshaped: without the layout tables the subset holds
    # only the glyphs the characters map to (and the parts accented ones are built from), and
    # subsetting takes 70 ms rather than 250.
    for tag in ("GSUB", "GPOS", "GDEF", "MATH", "kern"):
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # copyright, names and version (the licence asks)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in chars])
    subsetter.subset(font)
    output = io.BytesIO()
    font.save(output)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    codes = {char: font.getGlyphID(cmap[ord(char)]) for char in chars}
    widths = [round(hmtx[glyph][0] * scale) for glyph in font.getGlyphOrder()]
    return output.getvalue(), codes, widths, metrics


def _subset_tag(chars):
    digest = hashlib.sha256(chars.encode()).digest()
    return "".join(string.ascii_uppercase[byte % 26] for byte in digest[:6])


@dataclasses.dataclass(frozen=True)
class StampFont:
    """The stamp font as embedded in one PDF: its font dictionary, for pages' resources, and the
    glyph id each character is written as (its code, two bytes)."""

    dictionary: pikepdf.Object
    codes: dict

    def encode(self, text):
        """`text` as a hex string operand for Tj, its characters' codes."""
        return b"<%s>" % "".join(f"{self.codes[char]:04X}" for char in stamp_text(text)).encode()


def stamp_font(pdf, texts=()):
    """DejaVu Sans embedded in `pdf` as a composite font holding exactly the glyphs `texts`
    print (`stamp_text`); one subset a set of characters a process."""
    chars = "".join(sorted({char for text in texts for char in stamp_text(text)}))
    program, codes, widths, metrics = _stamp_font_program(chars)
    name = pikepdf.Name(f"/{_subset_tag(chars)}+{STAMP_FONT_NAME}")
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=name,
        Flags=4,  # symbolic: glyphs are chosen by id, not through an encoding
        FontBBox=pikepdf.Array(metrics["bbox"]),
        ItalicAngle=metrics["italic_angle"],
        Ascent=metrics["ascent"],
        Descent=metrics["descent"],
        CapHeight=metrics["cap_height"],
        StemV=80,
        FontFile2=pdf.make_stream(program, Length1=len(program)),
    )
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=name,
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=pdf.make_indirect(descriptor),
        W=pikepdf.Array([0, pikepdf.Array(widths)]),
        CIDToGIDMap=pikepdf.Name.Identity,
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=name,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([pdf.make_indirect(descendant)]),
            ToUnicode=pdf.make_stream(_to_unicode(codes)),
        )
    )
    return StampFont(font, codes)


def _to_unicode(codes):
    """A ToUnicode CMap from each code to its character, so that text extraction and screen
    readers get the words (a glyph two characters share reads as the first)."""
    text = {}
    for char, code in sorted(codes.items()):
        text.setdefault(code, char)
    lines = [
        f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>" for code, char in text.items()
    ]
    chunks = [lines[i : i + 100] for i in range(0, len(lines), 100)]
    body = "".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
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
