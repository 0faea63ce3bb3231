"""Imported once by the PDF render fork server (see wkp/pdf.py): Django is set up and WeasyPrint
loaded there, so each render child, forked from it, starts in milliseconds."""

import gc

import django

django.setup()

import wkp.pdf  # noqa: E402, F401 - loads WeasyPrint and the fetcher

# One small render here loads the fonts and WeasyPrint's own stylesheets once, not per child.
wkp.pdf.typeset('<html lang="en"><body><p>Warm-up</p></body></html>', "warm-up", (), True)

gc.freeze()
