"""Download and stored file names made from any text (wkp/downloads.py); no database."""

import pytest

from wkp.downloads import MAX_BYTES, file_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WKP-2006-07-14.ics", "WKP-2006-07-14.ics"),
        ("A\r\nB-2006-07-14.ics", "A B-2006-07-14.ics"),
        ('..\\W"K/P:*?<>|\t.pdf', "W K P .pdf"),
        ("a\u202egnp.pdf", "a gnp.pdf"),
        ("Caerdydd a’r Fro — ŵ.pdf", "Caerdydd a’r Fro — ŵ.pdf"),
        ("\r\n", "download"),
    ],
)
def test_file_name_keeps_the_words_and_drops_what_breaks_headers_and_paths(text, expected):
    assert file_name(text) == expected


def test_a_long_file_name_is_cut_to_fit_a_file_system_and_keeps_its_extension():
    name = file_name("ŵ" * 150 + ".pdf")

    assert name == "ŵ" * ((MAX_BYTES - 4) // 2) + ".pdf"
    assert len(name.encode()) == MAX_BYTES
