"""Django for a benchmark script run on its own (`python tests/benchmarks/x.py`): the project
on the import path, a throwaway SQLite database and media folder, quiet logs."""

import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def set_up_django(*, prefix, database, settings_module):
    """Set Django up on a new temporary folder (named `prefix`…) and return that folder."""
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / database}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    os.environ["LOG_LEVEL"] = "CRITICAL"
    import django

    django.setup()
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    return work
