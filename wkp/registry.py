"""Where the apps plug into the core.

The core (wkp) imports none of the apps (DESIGN.md; checked by import-linter, tests/test_layers.py).
Each app's AppConfig.ready() registers here what it adds to the home page, to the demo data and
to the backup's checks, and the core uses whatever has been registered.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class HomeSection:
    """A part of the home page: `template` is included with the context `context(user)` returns."""

    template: str
    context: object  # callable(user) -> dict


@dataclass(frozen=True)
class BackupCheck:
    """Figures an app records in the backup's manifest under `key` and compares after a restore.

    `figures()` returns JSON-able data read from the database; a restore whose figures differ
    fails with `mismatch(backed_up, restored)`. `file_problems(media_root)` (optional) lists
    stored files that do not match what the database says of them. `counted` (optional) names
    what one entry of the figures is ("issued pack"), for the summary.
    """

    key: str
    figures: object
    mismatch: object
    file_problems: object = None
    counted: str = ""


_home_sections = []
_backup_checks = {}
_demo_steps = []


def add_home_section(section):
    if section not in _home_sections:
        _home_sections.append(section)


def home_sections():
    return list(_home_sections)


def add_backup_check(check):
    _backup_checks[check.key] = check


def backup_checks():
    """The registered checks in key order (so a manifest reads the same on every run)."""
    return [_backup_checks[key] for key in sorted(_backup_checks)]


def add_demo_step(step):
    """`step`, the dotted path of a function, runs inside load_demo's transaction after the
    fixtures are loaded. A path, imported only by load_demo, so that registering a step does not
    load what it uses (a pack build's modules) into every process."""
    if step not in _demo_steps:
        _demo_steps.append(step)


def demo_steps():
    return [import_string(step) for step in _demo_steps]
