"""One fix to the PDF writer WeasyPrint uses (pydyf), applied where WeasyPrint is loaded.

pydyf's `PDF.page_references` builds a tuple of every page's reference each time it is read,
and WeasyPrint's tagging (`weasyprint/pdf/tags.py`) reads it once per structure element to
index one page: the tagged write of an n-page document costs O(elements × pages). Measured here
on a 136-page batch of papers (about 17,000 elements): the tagged write took 5.2 s against
2.5 s untagged, and the gap grew with the pack. Kept per document and rebuilt only when a page
has been added, the same tuple costs O(pages) once.
"""

import pydyf

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


def install():
    """Replace `pydyf.PDF.page_references` by the kept tuple (idempotent)."""
    if not getattr(pydyf.PDF.page_references.fget, "wkp_kept", False):
        _page_references.wkp_kept = True
        pydyf.PDF.page_references = property(_page_references)
