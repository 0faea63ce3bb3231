"""Three fixes to WeasyPrint's output, applied where WeasyPrint is loaded.

1. pydyf's `PDF.page_references` builds a tuple of every page's reference each time it is read,
and WeasyPrint's tagging (`weasyprint/pdf/tags.py`) reads it once per structure element to
index one page: the tagged write of an n-page document costs O(elements × pages). Measured here
on a 136-page batch of papers (about 17,000 elements): the tagged write took 5.2 s against
2.5 s untagged, and the gap grew with the pack. Kept per document and rebuilt only when a page
has been added, the same tuple costs O(pages) once.

2. WeasyPrint's tag tree (`_build_box_tree`) wraps every run of text, each line of each
paragraph, in a structure element of its own (a Span holding one marked-content id), so a
200-page pack carried about 34,000 structure objects against 1,400 untagged. Making, writing
and copying them was most of what tagging cost. The text now belongs to the element it is in
(the paragraph, heading, cell or list item) by its marked-content id, as WeasyPrint already does
for link text: the PDF standard's usual form (ISO 32000-1, 14.7.4), read the same way by screen
readers, and the same words and reading order. The change is made to WeasyPrint's own source
(one block, below), so a WeasyPrint whose source differs is left alone, and the test says so.

3. pydyf compresses every stream at zlib's highest level (9), which costs most on the tagged
output's object streams of structure elements: measured on the same 136 pages (fourteen
alternating rounds), writing and then saving through pikepdf as a pack does took 1.26 s tagged
and 0.81 s untagged at level 9, 1.10 s and 0.79 s at zlib's default level (6), for files 2%
larger. What we assemble is saved again by qpdf (wkp.pdf.pdf_bytes), which makes its own object
streams, so the level-9 work on them bought nothing at all.
"""

import ast
import inspect
import textwrap
import zlib

import pydyf
from weasyprint.pdf import tags

_original = pydyf.PDF.page_references


def _page_references(self):
    kids = self.pages["Kids"]
    cached = self.__dict__.get("_wkp_page_references")
    # A page is only ever added (pydyf's add_page extends Kids by three items), so the length
    # and the last page's number tell whether the tuple is still right.
    key = (id(kids), len(kids), kids[-3] if kids else None)
    if cached is None or cached[0] != key:
        cached = (key, _original.fget(self))
        self.__dict__["_wkp_page_references"] = cached
    return cached[1]


WEASYPRINT_BUILD_BOX_TREE = tags._build_box_tree  # as WeasyPrint has it, before install()

# WeasyPrint 70's block for a run of text in `_build_box_tree`, and what it becomes.
TEXT_KID = """\
                if tag == 'Link':
                    # Associate MCID directly with link reference.
                    element['K'].append(kid['mcid'])
                    nums[kid['mcid']] = element.reference
                else:
"""
TEXT_IN_ELEMENT = """\
                if tag == 'Link' or kid['tag'] == 'Span':
                    element['K'].append(kid['mcid'])
                    nums[kid['mcid']] = element.reference
                else:
"""


def _text_in_its_element():
    """WeasyPrint's `_build_box_tree` with text ids kept in their element; None if its source
    is not the one this change was written for."""
    lines, first = inspect.getsourcelines(tags._build_box_tree)
    source = textwrap.dedent("".join(lines))
    if source.count(TEXT_KID) != 1:
        return None
    tree = ast.increment_lineno(ast.parse(source.replace(TEXT_KID, TEXT_IN_ELEMENT)), first - 1)
    namespace = dict(vars(tags))  # its imports and helpers; tracebacks name WeasyPrint's lines
    exec(compile(tree, tags.__file__, "exec"), namespace)  # noqa: S102 - WeasyPrint's own source with the one block changed
    return namespace["_build_box_tree"]


STREAM_LEVEL = 6  # zlib's default


class _DefaultLevelZlib:
    """zlib as pydyf sees it: the level pydyf asks for (9) is replaced by STREAM_LEVEL."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=STREAM_LEVEL, *args, **kwargs):
        return zlib.compressobj(STREAM_LEVEL, *args, **kwargs)


def install():
    """Keep pydyf's page references, text in its structure element, and streams compressed at
    zlib's default level (idempotent)."""
    if not isinstance(pydyf.zlib, _DefaultLevelZlib):
        pydyf.zlib = _DefaultLevelZlib()
    if not getattr(pydyf.PDF.page_references.fget, "wkp_kept", False):
        _page_references.wkp_kept = True
        pydyf.PDF.page_references = property(_page_references)
    if not getattr(tags._build_box_tree, "wkp_text_in_element", False):
        patched = _text_in_its_element()
        if patched is not None:
            patched.wkp_text_in_element = True
            tags._build_box_tree = patched
