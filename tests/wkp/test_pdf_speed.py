"""wkp/pdf_speed.py: pydyf's page references kept per document, and still right."""

import pydyf

from wkp import pdf as _pdf  # noqa: F401 - installs the fix, as every render does
from wkp.pdf_speed import _original


def test_page_references_are_kept_and_follow_added_pages():
    document = pydyf.PDF()
    for _ in range(3):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))

    first = document.page_references

    assert first == _original.fget(document)  # what pydyf itself would say
    assert document.page_references is first  # kept, not built again per read
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    after = document.page_references
    assert after == _original.fget(document) and len(after) == 4
    assert pydyf.PDF().page_references == ()  # each document its own
