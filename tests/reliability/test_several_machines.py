"""Several app servers and workers against one PostgreSQL and one object store (issue 17).

Two gunicorn servers and two background workers (`manage.py run_worker`) run as separate
processes, with the files in a bucket of moto's standalone S3 server on loopback and a scratch
database on the test cluster (they need committed data). Nothing is shared between the processes
but the database and the bucket, as between machines.

- A co-ordinator issues a pack through server A; a member downloads it through server B, byte
  for byte, with its ETag. The build was queued twice (the workers' sweep queues a job again
  when it has waited longer than WKP_PACK_REQUEUE_SECONDS) and both workers took it at once:
  each version is typeset exactly once (every build logs "Pack built: meeting M, version N").
- A worker killed (SIGKILL) in the middle of a build: PostgreSQL rolls it back, the other
  worker's sweep queues the job again, and it finishes once.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import psycopg2
import pytest
import requests
from django.conf import settings
from django_otp.oath import TOTP

from tests.conftest import skip_unless_postgres
from tests.processes import stop_group
from tests.reliability.test_load_short import load_script
from tests.s3 import environment, make_bucket

ROOT = settings.BASE_DIR
PASSWORD = "correct-horse-battery-staple-42"
APPS = 3  # the co-ordinator signs in three times in this module
PACK_BUILT = re.compile(r"Pack built: meeting (\d+), version (\d+)")

# Run in `manage.py shell` on the scratch database: the users, a published meeting with two
# typed papers (a few seconds of typesetting), and the co-ordinator's authenticator keys: one
# app per sign-in, as a device accepts each 30-second code once (a second sign-in on the same
# app within one step would wait for the next).
SETUP = f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from meetings.models import Meeting
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from wkp.roles import COORDINATOR, MEMBER
users = get_user_model().objects
coordinator = users.create_user("cora", "cora@example.org", "{PASSWORD}")
coordinator.groups.add(Group.objects.get(name=COORDINATOR))
member = users.create_user("mary", "mary@example.org", "{PASSWORD}")
member.groups.add(Group.objects.get(name=MEMBER))
devices = [
    TOTPDevice.objects.create(user=coordinator, name=f"app {{n}}", confirmed=True)
    for n in range({APPS})
]
meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
for n, letter in enumerate("AB"):
    item = AgendaItemFactory(meeting=meeting, title=f"Item {{letter}}", position=n)
    body = "".join(f"<p>Paragraph {{k}} of paper {{letter}}.</p>" for k in range(150))
    item.papers.add(PaperFactory(meeting=meeting, letter=letter, body_html=body))
print(json.dumps({{"meeting": meeting.pk, "keys": [device.key for device in devices]}}))
"""

RACE = """
from meetings.models import PackJob
from meetings.tasks import build_pack_version
first = PackJob.objects.get(meeting_id={meeting})
second = PackJob.objects.create(meeting_id={meeting})
build_pack_version.enqueue(second.pk)
build_pack_version.enqueue(first.pk)
"""

# A change to paper A, so that the next issue is a new version.
CHANGE = """
from meetings.models import Paper
Paper.objects.filter(meeting_id={meeting}, letter="A").update(body_html="<p>{text}</p>" * 150)
"""


def manage(env, *args, log):
    with open(log, "ab") as output:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=output,
            check=True,
            timeout=600,
        ).stdout.decode()


class Site:
    """One of the app servers, seen through a signed-in browser session."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def csrf(self, path):
        page = self.session.get(self.url + path, timeout=60)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    def post(self, path, data=None, *, form=None):
        token = self.csrf(form or path)
        return self.session.post(
            self.url + path,
            data={"csrfmiddlewaretoken": token, **(data or {})},
            headers={"Referer": self.url + (form or path)},
            allow_redirects=False,
            timeout=60,
        )

    def sign_in(self, username, key=None):
        """Sign in afresh (a new session), with the second factor when `key` is given."""
        self.session = requests.Session()
        response = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.text[:500]
        if key:
            response = self.post("/accounts/two-factor/", {"code": fresh_code(key)})
            assert response.status_code == 302, response.text[:500]
        return self


USED_CODES = set()


def fresh_code(key):
    """The authenticator app's code now; a device accepts each code once, so wait for the next
    30-second step when this one was used already (never, with one app per sign-in)."""
    while True:
        code = f"{TOTP(bytes.fromhex(key), 30, 0, 6, 0).token():06d}"
        if (key, code) not in USED_CODES:
            USED_CODES.add((key, code))
            return code
        time.sleep(1)


def app_key(cluster):
    """The key of an authenticator app of the co-ordinator's not used before."""
    return cluster["keys"].pop()


@pytest.fixture(scope="module")
def cluster(s3_endpoint, tmp_path_factory, migrated_postgres_template):
    """Two gunicorn servers on one scratch database and one bucket; workers started by tests."""
    skip_unless_postgres("several machines")
    database_url = os.environ["DATABASE_URL"]
    load_test = load_script()
    work = tmp_path_factory.mktemp("machines")
    bucket = make_bucket(s3_endpoint)
    with (
        load_test.scratch_database(database_url, migrated_postgres_template) as (url, _),
        load_test.Processes() as processes,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DJANGO_SETTINGS_MODULE": "wkp.settings",
            "DEBUG": "1",
            "DATABASE_URL": url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "INFO",
            "WKP_PACK_REQUEUE_SECONDS": "2",
            "WKP_WORKER_HEARTBEAT_INTERVAL": "1",
            "PYTHONPATH": str(ROOT),
            **environment(s3_endpoint, bucket),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        manage(env, "migrate", "--noinput", log=work / "setup.log")
        data = json.loads(
            manage(env, "shell", "-c", SETUP, log=work / "setup.log").strip().splitlines()[-1]
        )
        sites = []
        for name in ("a", "b"):
            sock = load_test.loopback_socket()
            server = processes.start(
                [sys.executable, "-m", "gunicorn", "wkp.wsgi:application",
                 "--bind", f"fd://{sock.fileno()}", "--workers", "1", "--timeout", "120"],
                work / f"gunicorn-{name}.log", cwd=ROOT, env=env, pass_fds=(sock.fileno(),),
            )  # fmt: skip
            url_ = f"http://127.0.0.1:{sock.getsockname()[1]}"
            sock.close()
            load_test.wait_until_serving(f"{url_}/accounts/login/", server)
            sites.append(Site(url_))
        yield {
            "env": env,
            "database": url,
            "work": work,
            "processes": processes,
            "sites": sites,
            **data,
        }


def start_worker(cluster, name):
    return cluster["processes"].start(
        [sys.executable, "manage.py", "run_worker", "--jobs", "50"],
        cluster["work"] / f"worker-{name}.log",
        cwd=ROOT,
        env=cluster["env"],
    )


def stop(process):
    stop_group(process, timeout=20)


def query(cluster, sql, params=()):
    with psycopg2.connect(cluster["database"]) as db, db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    db.close()
    return rows


def wait_for(condition, timeout=300, what="it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def builds(cluster, *names):
    """{(meeting, version): how many times it was typeset} over the workers' logs."""
    counts = {}
    for name in names:
        text = (cluster["work"] / f"worker-{name}.log").read_text(errors="replace")
        for meeting, version in PACK_BUILT.findall(text):
            key = (int(meeting), int(version))
            counts[key] = counts.get(key, 0) + 1
    return counts


def issue(cluster, site):
    meeting = cluster["meeting"]
    response = site.post(f"/meetings/{meeting}/pack/issue/", form=f"/meetings/{meeting}/")
    assert response.status_code == 302, response.text[:500]


def jobs(cluster):
    return query(cluster, "SELECT id, status, version_id FROM meetings_packjob ORDER BY id")


def test_issued_through_one_server_downloaded_through_the_other_and_built_once(cluster):
    a, b = cluster["sites"]
    meeting = cluster["meeting"]
    a.sign_in("cora", app_key(cluster))
    issue(cluster, a)
    # A second co-ordinator's request through server B at the same instant (both saw no queued
    # job, so there are two), and the first job's task delivered twice: three tasks for one
    # pack version, waiting for both workers, which start together.
    manage(
        cluster["env"],
        "shell",
        "-c",
        RACE.format(meeting=meeting),
        log=cluster["work"] / "setup.log",
    )
    workers = [start_worker(cluster, "1"), start_worker(cluster, "2")]
    try:
        wait_for(lambda: [row[1] for row in jobs(cluster)] == ["done", "done"], what="the jobs")
        wait_for(
            lambda: (
                query(
                    cluster,
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE status IN ('READY', 'RUNNING')",
                )[0][0]
                == 0
            ),
            what="every task",
        )
        tasks = query(
            cluster,
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'meetings.tasks.build_pack_version'",
        )
        assert len(tasks) == 3 and {t[0] for t in tasks} == {"SUCCESSFUL"}, tasks
        assert len({worker for t in tasks for worker in t[1]}) == 2, tasks  # both took some
        assert len({version for _, _, version in jobs(cluster)}) == 1  # both jobs: version 1
        assert builds(cluster, "1", "2") == {(meeting, 1): 1}

        ((number, sha256, size),) = query(
            cluster,
            "SELECT number, sha256, size FROM meetings_packversion WHERE meeting_id = %s",
            [meeting],
        )
        assert number == 1
        b.sign_in("mary")
        download = b.session.get(f"{b.url}/meetings/{meeting}/pack.pdf", timeout=60)
        assert download.status_code == 200
        assert download.headers["ETag"] == f'"{sha256}"'
        assert hashlib.sha256(download.content).hexdigest() == sha256
        assert len(download.content) == size
        a_member = Site(a.url).sign_in("mary")
        same = a_member.session.get(f"{a.url}/meetings/{meeting}/pack.pdf", timeout=60)
        assert same.content == download.content
        cached = a_member.session.get(
            f"{a.url}/meetings/{meeting}/pack.pdf",
            headers={"If-None-Match": f'"{sha256}"'},
            timeout=60,
        )
        assert cached.status_code == 304

        # Version 2, asked for through server B, is built once too.
        manage(
            cluster["env"], "shell", "-c", CHANGE.format(meeting=meeting, text="Changed"),
            log=cluster["work"] / "setup.log",
        )  # fmt: skip
        b.sign_in("cora", app_key(cluster))
        issue(cluster, b)
        wait_for(lambda: [row[1] for row in jobs(cluster)] == ["done"] * 3, what="v2")
        assert builds(cluster, "1", "2") == {(meeting, 1): 1, (meeting, 2): 1}

        for site in (a, b):
            health = requests.get(f"{site.url}/healthz", timeout=30)
            assert (health.status_code, health.json()) == (
                200,
                {"database": "ok", "storage": "ok", "worker": "ok"},
            )
    finally:
        for worker in workers:
            stop(worker)


def locked(cluster, job):
    """True while a worker holds the job's row lock (it is building it)."""
    with psycopg2.connect(cluster["database"]) as db, db.cursor() as cursor:
        try:
            cursor.execute("SELECT 1 FROM meetings_packjob WHERE id = %s FOR UPDATE NOWAIT", [job])
            busy = False
        except psycopg2.errors.LockNotAvailable:
            busy = True
        db.rollback()
    db.close()
    return busy


def taken(cluster, job):
    """True once a worker has taken the job's build task from the queue."""
    return query(
        cluster,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
        "AND task_path = 'meetings.tasks.build_pack_version' AND args_kwargs->'args'->>0 = %s",
        [str(job)],
    ) == [(1,)]


def test_a_worker_killed_mid_build_leaves_the_build_to_another_that_finishes_it_once(cluster):
    a = cluster["sites"][0]
    meeting = cluster["meeting"]
    a.sign_in("cora", app_key(cluster))
    before = len(jobs(cluster))
    manage(
        cluster["env"], "shell", "-c", CHANGE.format(meeting=meeting, text="Killed"),
        log=cluster["work"] / "setup.log",
    )  # fmt: skip
    doomed = start_worker(cluster, "doomed")
    try:
        issue(cluster, a)
        job = jobs(cluster)[-1][0]
        assert len(jobs(cluster)) == before + 1
        # Taken by the doomed worker (its task running) and mid-build (the job's row locked).
        # The lock alone is not enough: a worker's sweep also locks queued jobs for a moment.
        wait_for(lambda: taken(cluster, job) and locked(cluster, job), what="the build to start")
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
    finally:
        stop(doomed)
    numbers = [n for (n,) in query(
        cluster, "SELECT number FROM meetings_packversion WHERE meeting_id = %s", [meeting]
    )]  # fmt: skip
    assert query(cluster, "SELECT status FROM meetings_packjob WHERE id = %s", [job]) == [
        ("queued",)
    ]
    wait_for(lambda: not locked(cluster, job), timeout=30, what="PostgreSQL to release the lock")

    rescuer = start_worker(cluster, "rescuer")
    try:
        wait_for(
            lambda: (
                query(cluster, "SELECT status FROM meetings_packjob WHERE id = %s", [job])
                == [("done",)]
            ),
            what="the rescued build",
        )
    finally:
        stop(rescuer)
    top = max(numbers, default=0)
    after = [n for (n,) in query(
        cluster, "SELECT number FROM meetings_packversion WHERE meeting_id = %s ORDER BY number",
        [meeting],
    )]  # fmt: skip
    assert after == [*sorted(numbers), top + 1]
    assert builds(cluster, "rescuer") == {(meeting, top + 1): 1}
    assert f"Pack job {job} queued again" in (cluster["work"] / "worker-rescuer.log").read_text()
