"""The SQLite demo with its background worker never answers "database is locked".

The demo's web server and worker share one SQLite file. With SQLite's defaults (rollback
journal, deferred transactions) a transaction that reads and then writes fails at once with
"database is locked" when another connection writes in between, which the demo showed as a 500
on a sign-in step. wkp/settings.py turns on WAL, a busy timeout and IMMEDIATE transactions. Here
a worker polls as fast as it can while 20 threads each read and then write in one transaction,
and queue e-mail notices for the worker to send at the same time.
"""

import base64
import os
import socket
import subprocess
import sys
import time

import pytest
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


def test_worker_and_twenty_concurrent_writers_share_the_sqlite_file(tmp_path, migrated_sqlite):
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
    migrated_sqlite(tmp_path / "demo.sqlite3")  # as `manage.py migrate` leaves it
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_the_sqlite_demo_driven_in_the_browser_logs_no_lock_errors(page, tmp_path, sqlite_demo):
    """`make run` as a newcomer meets it: SQLite, the worker polling, members and a co-ordinator
    signing in with the logins load_demo printed and issuing a pack version through the browser
    at the same time."""
    from django_otp.oath import TOTP

    demo = sqlite_demo(tmp_path)  # `manage.py migrate` and `load_demo`, as `make run` leaves it
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "WKP_REQUIRE_POSTGRES", "DATABASE_URL"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{demo.database}",
        "DJANGO_SETTINGS_MODULE": "wkp.settings",
        "DEBUG": "1",
        "MEDIA_ROOT": str(demo.media),
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    port = free_port()
    logs = {name: open(tmp_path / f"{name}.log", "w+") for name in ("server", "worker")}  # noqa: SIM115
    base = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    worker = subprocess.Popen(
        [*base, "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        env=env, stdout=logs["worker"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = subprocess.Popen(
        [*base, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, stdout=logs["server"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    statuses = []
    page.on("response", lambda response: statuses.append((response.status, response.url)))
    try:
        # Until the server listens (it starts slowly on a busy machine), or stops.
        for _ in range(1500):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        page.set_default_timeout(30000)
        for username in ("member", "coordinator", "member"):
            page.goto(f"{url}/accounts/login/")
            password, key = demo.login(username)
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            if username == "coordinator":
                page.get_by_role("heading", name="Confirm it is you").wait_for()
                code = TOTP(base64.b32decode(key)).token()
                page.get_by_label("Code").fill(f"{code:06d}")
                page.get_by_role("button", name="Continue").click()
                page.wait_for_url(f"{url}/")
                page.goto(f"{url}/meetings/1/")
                page.get_by_role("button", name="Issue a new version now").click()
            for path in ("/", "/meetings/", "/meetings/1/", "/meetings/papers/", "/finance/"):
                page.goto(url + path)
            page.get_by_role("button", name="Sign out").click()
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
    text = {name: (log.seek(0), log.read())[1] for name, log in logs.items()}
    assert [s for s in statuses if s[0] >= 500] == []
    assert "database is locked" not in text["server"] + text["worker"]
    assert page.url.startswith(url)
