"""The long run of the ledger state machine behind SECURITY.md's figures (CI runs 200 × 50,
derandomised, in tests/reliability/test_ledger_state_machine.py). Not collected by pytest.

    tests/with_postgres.sh .venv/bin/python tests/benchmarks/ledger_state_machine.py \\
        [--runs 2000] [--steps 100] [--batch 200]

Random (not derandomised) examples, in batches: hypothesis stops a batch at its first failure
(and shrinks it), so each batch counts at most one failure and the next batch carries on. Uses
DATABASE_URL's server (a throwaway test database is created and dropped) or, without it, an
in-memory SQLite database.
"""

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["LOG_LEVEL"] = "CRITICAL"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402

from tests.reliability.test_ledger_state_machine import (  # noqa: E402
    LedgerMachine,
    full_runs,
    machine_settings,
)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    failures, done = 0, 0
    LedgerMachine.runs, LedgerMachine.refusals = [], 0
    started = time.perf_counter()
    try:
        while done < args.runs:
            batch = min(args.batch, args.runs - done)
            before = len(LedgerMachine.runs)
            try:
                run_state_machine_as_test(
                    LedgerMachine,
                    settings=machine_settings(
                        runs=batch, steps=args.steps, derandomize=False, database=None
                    ),
                )
            except Exception:  # a failing example: counted, and the next batch goes on
                failures += 1
                traceback.print_exc()
            done += batch
            print(
                f"batch of {batch}: {len(LedgerMachine.runs) - before} machines run, "
                f"{failures} failing batches so far, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    elapsed = time.perf_counter() - started
    print(
        f"{args.runs} examples asked for, up to {args.steps} steps each: "
        f"{len(LedgerMachine.runs)} machines run (shrinking included), "
        f"{full_runs(args.steps)} of them full length, {sum(LedgerMachine.runs)} steps, "
        f"every invariant checked after each; {LedgerMachine.refusals} refused writes; "
        f"{failures} failing batches; {elapsed:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
