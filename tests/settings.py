"""The settings the suite runs with: the app's own (wkp.settings) in development mode.

DEBUG is off unless set (fail closed), so the suite sets DEBUG=1 here, as `make run` does, before
the settings are read; subprocesses the tests start (manage.py backup, restore, the worker)
inherit it. Tests of production settings drop it from their subprocess's environment.

Stored files go to a folder of this run's own (one per pytest-xdist worker), not the clone's
media/: workers never share files, and the clone stays clean. Subprocesses inherit it through
MEDIA_ROOT, as they inherit DEBUG; a MEDIA_ROOT set by the caller is kept.
"""

import atexit
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "1")
if "MEDIA_ROOT" not in os.environ:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix=f"wkp-test-media-{worker}-")
    atexit.register(shutil.rmtree, os.environ["MEDIA_ROOT"], ignore_errors=True)

from wkp.settings import *  # noqa: E402, F403

# Production's Argon2 at its least cost (tests/hashers.py); PBKDF2 stays for older hashes.
PASSWORD_HASHERS = [
    "tests.hashers.CheapArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# axe-core (carried by axe-playwright-python) served by the live server, for the accessibility
# checks: Chromium then caches the script and its compiled code across pages, instead of being
# sent 550 KB to compile on every page checked. Tests only: manage.py runs with wkp.settings.
STATICFILES_DIRS = [
    *STATICFILES_DIRS,  # noqa: F405
    ("tests-axe", Path(importlib.util.find_spec("axe_playwright_python").origin).parent),
]
