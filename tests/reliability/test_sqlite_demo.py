"""The SQLite demo with its background worker never answers "database is locked".

The demo's web server and worker share one SQLite file. With SQLite's defaults (rollback
journal, deferred transactions) a transaction that reads and then writes fails at once with
"database is locked" when another connection writes in between, which the demo showed as a 500
on a sign-in step. wkp/settings.py turns on WAL, a busy timeout and IMMEDIATE transactions. Here
a worker polls as fast as it can while 20 threads each read and then write in one transaction,
and queue e-mail notices for the worker to send at the same time.
"""

import os
import subprocess
import sys
import time

from django.conf import settings

WRITERS = """
import datetime, threading, django
django.setup()
from django.db import connection, transaction
from meetings.models import Meeting, Notice, Venue
from meetings.notices import send_notice
from subgroups.models import Body

meeting = Meeting.objects.create(
    body=Body.objects.create(name="Board", kind="board"), date=datetime.date(2026, 1, 8)
)
failures = []

def write(n):
    try:
        with transaction.atomic():
            Venue.objects.count()
            Venue.objects.create(name=f"Room {n}")
            notice = Notice.objects.create(meeting=meeting, subject=f"Notice {n}", url="/")
            transaction.on_commit(lambda: send_notice.enqueue(notice.pk))
    except Exception as error:
        failures.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("venues", Venue.objects.count())
print("failures", failures)
"""


WAIT_FOR_TASKS = """
import time
from django_tasks_db.models import DBTaskResult
for _ in range(600):
    done = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
    if done == 20:
        break
    time.sleep(0.1)
print(done)
"""


def manage(*args, env, **kwargs):
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        **kwargs,
    )


def test_worker_and_twenty_concurrent_writers_share_the_sqlite_file(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "WKP_REQUIRE_POSTGRES"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "wkp.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    manage("migrate", "--noinput", env=env)
    worker = subprocess.Popen(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "db_worker",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
        ],  # fmt: skip
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(1)  # the worker is polling before the writers start
        result = subprocess.run(
            [sys.executable, "-c", WRITERS],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=settings.BASE_DIR,
        )
        # The worker runs the 20 notices it was given; wait for them in one process.
        done = manage("shell", "-c", WAIT_FOR_TASKS, env=env)
    finally:
        worker.terminate()
        worker_log = worker.communicate(timeout=30)[0]

    assert result.returncode == 0, result.stderr
    assert "venues 20" in result.stdout
    assert "failures []" in result.stdout, result.stdout
    assert done.stdout.split()[-1] == "20"
    assert "database is locked" not in worker_log
