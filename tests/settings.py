"""The settings the suite runs with: the app's own (wkp.settings) in development mode.

DEBUG is off unless set (fail closed), so the suite sets DEBUG=1 here, as `make run` does, before
the settings are read; subprocesses the tests start (manage.py backup, restore, the worker)
inherit it. Tests of production settings drop it from their subprocess's environment.
"""

import os

os.environ.setdefault("DEBUG", "1")

from wkp.settings import *  # noqa: E402, F403
