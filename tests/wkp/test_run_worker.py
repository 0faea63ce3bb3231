"""`manage.py run_worker` (the worker `make run` starts) keeps taking tasks after any number of
them, with DEBUG on as under `make run` (issue 16: it stopped for good after 10)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.wkp.test_settings import run_manage

ROOT = Path(__file__).resolve().parents[2]
TASKS = 25  # two restarts of a worker that takes 10 tasks at a time


def waiting_tasks(database):
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status IN ('READY', 'RUNNING')"
        ).fetchone()[0]


def test_the_worker_keeps_taking_tasks_after_ten(tmp_path, migrated_sqlite):
    database = tmp_path / "worker.sqlite3"
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(tmp_path)}
    migrated_sqlite(database)  # `manage.py migrate`, asserted in migrated_sqlite_template
    # Notices that do not exist: each task fails at once, and a failed task is a task done.
    enqueue = (
        "from meetings.notices import send_notice\n"
        f"for n in range({TASKS}): send_notice.enqueue(10**9 + n)"
    )
    result = run_manage("shell", "-c", enqueue, env_overrides=env)
    assert result.returncode == 0, result.stderr
    assert waiting_tasks(database) == TASKS
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "run_worker"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # Wait for the queue to drain, giving up after a generous while on this shared machine;
        # what is asserted is the count of tasks left, not the time taken.
        deadline = time.monotonic() + 240
        while waiting_tasks(database) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = waiting_tasks(database)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert left == 0
    with sqlite3.connect(database) as db:
        assert (
            db.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult").fetchone()[0]
            == 25
        )
