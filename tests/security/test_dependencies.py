"""Dependencies: minimum versions with known fixes, and (where the network allows) pip-audit.

pip-audit needs the PyPI or OSV vulnerability database. The build machines here have no route to
either, so the audit runs only when WKP_PIP_AUDIT=1 (set it in CI where the network is open);
tests/benchmarks/dependency_audit.py runs it by hand.
"""

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

MINIMUM = {"Django": (5, 2, 19), "WeasyPrint": (70,), "pypdf": (7, 1, 1)}


def parse(text):
    parts = []
    for piece in text.split("."):
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
        if not piece.isdigit():
            break
    return tuple(parts)


@pytest.mark.parametrize(("package", "minimum"), MINIMUM.items())
def test_installed_version_is_at_least_the_fixed_release(package, minimum):
    assert parse(version(package)) >= minimum, (package, version(package))


def test_version_parsing():
    assert parse("5.2.19") == (5, 2, 19)
    assert parse("70.0") == (70, 0)
    assert parse("7.1.1rc1") == (7, 1, 1)
    assert parse("5.2.9") < (5, 2, 19)


@pytest.mark.skipif(os.environ.get("WKP_PIP_AUDIT") != "1", reason="set WKP_PIP_AUDIT=1 (network)")
def test_pip_audit_finds_no_known_vulnerabilities():
    audit = shutil.which("pip-audit", path=str(Path(sys.executable).parent)) or "pip-audit"
    result = subprocess.run(
        [audit, "--local", "--strict", "--progress-spinner", "off", "--skip-editable"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
