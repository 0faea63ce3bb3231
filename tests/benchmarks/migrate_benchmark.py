"""A fresh `manage.py migrate` on PostgreSQL: the original migrations against the squashed ones.

    tests/with_postgres.sh .venv/bin/python tests/benchmarks/migrate_benchmark.py [rounds]

Each round migrates two new, empty databases on the cluster, one the old way (every original
migration, tests/original_migrations.py) and one the new way (plain `manage.py migrate`, the
squashed ones), alternating so both see the same load; prints each run's wall time, the medians
and their ratio, and how much of the new way is our apps' migrations (from `migrate -v3`).
Not collected by pytest.
"""

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.test_squashed_migrations import MIGRATE_THE_OLD_WAY  # noqa: E402

OURS = re.compile(r"Applying (wkp|meetings|finance|subgroups)\.\S+\.\.\. OK \(([\d.]+)s\)")


def run(url, command):
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, result.stdout


def main():
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Run this on PostgreSQL (tests/with_postgres.sh sets DATABASE_URL).")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    times = {"old": [], "new": []}
    ours = []
    for _ in range(rounds):
        for way in ("old", "new"):
            name = f"wkp_migrate_{way}_{uuid.uuid4().hex[:8]}"
            subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
            try:
                url = urlunsplit(parts._replace(path=f"/{name}"))
                if way == "old":
                    seconds, _ = run(url, [sys.executable, "-c", MIGRATE_THE_OLD_WAY])
                else:
                    seconds, out = run(
                        url, [sys.executable, "manage.py", "migrate", "--noinput", "-v3"]
                    )
                    ours.append(sum(float(s) for _, s in OURS.findall(out)))
            finally:
                subprocess.run(
                    ["psql", admin, "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'], check=True
                )
            times[way].append(seconds)
            print(f"{way}: {seconds:.1f} s", flush=True)
    old, new = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"median old way {old:.1f} s, new way {new:.1f} s, new/old {new / old:.2f}")
    print(f"our apps' squashed migrations in the new way: median {statistics.median(ours):.1f} s")


if __name__ == "__main__":
    main()
