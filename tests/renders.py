"""The `renders` fixture: which documents were typeset (the render log's "PDF rendered: …"),
with MEDIA_ROOT a fresh folder so that nothing typeset before is read back."""

import logging

import pytest


class Renders(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.names = []

    def emit(self, record):
        if record.getMessage().startswith("PDF rendered: "):
            self.names.append(record.args[0])


@pytest.fixture
def renders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    logger = logging.getLogger("wkp.pdf")
    handler, level = Renders(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)
