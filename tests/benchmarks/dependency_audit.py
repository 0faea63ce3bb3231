"""Run pip-audit over the installed environment (needs network to PyPI/OSV).

    .venv/bin/python tests/benchmarks/dependency_audit.py

Exit status 0: no known vulnerabilities; otherwise pip-audit's report is printed. Offline, it says
so and exits 2, so a CI job can tell "not audited" from "vulnerable".
"""

import shutil
import subprocess
import sys
from pathlib import Path


def main():
    audit = shutil.which("pip-audit", path=str(Path(sys.executable).parent))
    if not audit:
        print("pip-audit is not installed: pip install -e '.[test]'")
        return 2
    result = subprocess.run(  # noqa: S603 - our own tool
        [audit, "--local", "--strict", "--progress-spinner", "off", "--skip-editable"],
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout, result.stderr, sep="\n")
    if "ConnectionError" in result.stderr or "could not be audited" in result.stdout:
        print("Not audited: the vulnerability database is unreachable from this machine.")
        return 2
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
