"""Imported once by the PDF render fork server (see wkp/pdf.py): Django is set up and WeasyPrint
loaded there, so each render child, forked from it, starts in milliseconds."""

import contextlib
import ctypes
import gc
import logging

# One malloc arena (glibc's main one) in this server and so in every child forked from it. A
# thread that allocated during the imports below once left the server one or two idle arenas of
# 64 MB reserved address space; a child, at its memory limit (RLIMIT_AS), fell back on them and
# went on typesetting up to 128 MB past its limit (measured: a 1,000-paragraph document over a
# limit 1 MB above the server's size stopped in 0.8 s, or in 10 s with the arenas). First, before
# anything here can start a thread. M_ARENA_MAX is -8 in glibc's malloc.h.
with contextlib.suppress(OSError, AttributeError):
    ctypes.CDLL(None).mallopt(-8, 1)

import django  # noqa: E402

django.setup()

# The upload checks (meetings/uploads.py) run in children of this server too: their parsers once.
import mammoth  # noqa: E402, F401
import pikepdf  # noqa: E402, F401
import pypdf  # noqa: E402, F401

import wkp.pdf  # noqa: E402
import wkp.typesetting  # noqa: E402 - loads WeasyPrint and the fetcher

if wkp.typesetting.font_subsetter() != "harfbuzz":
    logging.getLogger("wkp.pdf").warning(
        "WeasyPrint subsets fonts with fontTools here, about 0.2 s slower a document: install "
        "HarfBuzz's subsetter (Debian: libharfbuzz-subset0)"
    )

# One small render here, with the print styles, loads WeasyPrint's own stylesheets and the
# process's font configuration (wkp.typesetting.font_configuration) with its fonts once, not in
# every child.
WARM_UP = (
    '<html lang="en"><head><link rel="stylesheet" href="/static/css/print.css"></head><body>'
    "<h1>Warm-up</h1><h2>Warm-up</h2><p>Text, <strong>bold</strong> and <em>italic</em>.</p>"
    "<table><tr><th>Head</th><td>£1</td></tr></table><ul><li>Item</li></ul></body></html>"
)
try:
    wkp.pdf.typeset(WARM_UP, "warm-up", (), True)
except Exception:  # Only an optimisation: the fork server must start whatever happens.
    logging.getLogger(__name__).exception("The render fork server could not warm up")

gc.freeze()
