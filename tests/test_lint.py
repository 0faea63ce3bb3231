import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_reports_nothing():
    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run([*ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [*ruff, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout


# A duration (a clock read, or a value named ...seconds) compared with "<".
WALL_TIME = re.compile(
    r"""(monotonic\(\)|perf_counter\(\)|time\(\)|seconds["'\]]*|slowest|elapsed)[^<]*<(?!mark)"""
    r"|<\s*\w*TIME_LIMIT"
)


def wall_time_assertions(folder):
    """`assert` lines of the suite that compare a measured duration (timings belong in
    tests/benchmarks/, which print ratios, never in a test that a busy machine can fail)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        if "benchmarks" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0].strip()
            if code.startswith("assert ") and WALL_TIME.search(code):
                found.append(f"{path.relative_to(folder.parent)}:{number}: {code}")
    return found


def test_no_test_asserts_a_wall_time():
    assert wall_time_assertions(ROOT / "tests") == []
