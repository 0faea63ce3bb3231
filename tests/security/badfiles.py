"""Bad upload files (name, bytes, why) and a seeded PDF mutator, for tests and benchmarks."""

import io
import random
import struct
import zipfile

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
    bomb = make_zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"0" * 80_000_000})
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
