"""Files in an S3-compatible store (issue 17): chosen by environment, the render cache pruned
there, backup and restore through it, and what happens when the store cannot be reached.

The store is moto's standalone server on loopback (tests/s3.py); "unreachable" is a closed
loopback port."""

import datetime
import hashlib
import json
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, PackJob, PackVersion
from meetings.tasks import build_pack_version, request_pack_build, requeue_after, requeue_pack_jobs
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.s3 import environment, make_bucket
from tests.security.world import tiny_pdf
from wkp.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def published_meeting_with_upload(text="Towards 2010"):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    item = AgendaItemFactory(meeting=meeting, title="Towards 2010")
    paper = PaperFactory(meeting=meeting, letter="A", title="Towards 2010", file_kind="pdf")
    paper.file.save("paper.pdf", ContentFile(tiny_pdf(text)))
    paper.file_checked_at, paper.page_count = timezone.now(), 1
    paper.save()
    item.papers.add(paper)
    return meeting, paper


# ---- Chosen by environment


def test_a_site_keeping_its_files_on_disk_never_loads_botocore():
    """The S3 backend is made only when settings name it (wkp.storage.__getattr__): a process
    that has loaded the WSGI application, every URL's view, the pack and its tasks, and used the
    storage, has not imported botocore."""
    script = (
        "import sys, errno, wkp.wsgi, meetings.pack, meetings.tasks\n"
        "from django.core.files.storage import default_storage as s\n"
        "from django.urls import get_resolver\n"
        "from wkp.storage import is_unavailable, storage_ok\n"
        "get_resolver().resolve('/')\n"
        "print(storage_ok(), s.exists('nothing.txt'), is_unavailable(OSError(errno.EIO, 'x')),"
        " is_unavailable(ValueError()), type(s._wrapped).__name__, 'botocore' in sys.modules)\n"
    )
    done = manage("shell", "-c", script, env={"DEBUG": "1"})
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1].split()
    assert last == ["True", "False", "True", "False", "FileSystemStorage", "False"]


def test_storage_backend_s3_puts_files_in_the_bucket_and_needs_a_bucket_name(s3_endpoint):
    bucket = make_bucket(s3_endpoint)
    script = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage as s\n"
        "print(s.save('hello.txt', ContentFile(b'hi')), type(s._wrapped).__name__)\n"
    )
    done = manage("shell", "-c", script, env={"DEBUG": "1", **environment(s3_endpoint, bucket)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].split() == ["hello.txt", "PrivateS3Storage"]
    from tests.s3 import s3_client

    client = s3_client(s3_endpoint)
    assert client.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"hi"
    # Private: the object grants nobody but its owner anything.
    grants = client.get_object_acl(Bucket=bucket, Key="hello.txt")["Grants"]
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]

    env = {"DEBUG": "1", **environment(s3_endpoint, bucket)}
    env.pop("S3_BUCKET")
    refused = manage("check", env=env)
    assert refused.returncode != 0
    assert "STORAGE_BACKEND=s3 needs S3_BUCKET" in refused.stderr


# ---- The render cache


def test_prune_renders_deletes_only_old_typeset_files_in_the_bucket(s3_storage, capsys):
    for name in ("renders/parts/aaa.pdf", "renders/documents/bbb.pdf", "packs/1/pack-v1.pdf"):
        default_storage.save(name, ContentFile(b"%PDF-1.7 cached"))
    call_command("prune_renders", "--days", "90")
    assert "Deleted 0 typeset file(s)" in capsys.readouterr().out

    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        call_command("prune_renders", "--days", "90")
    assert "Deleted 2 typeset file(s), 30 bytes" in capsys.readouterr().out
    assert default_storage.exists("packs/1/pack-v1.pdf")
    assert not default_storage.exists("renders/parts/aaa.pdf")
    assert not default_storage.exists("renders/documents/bbb.pdf")


# ---- Faults: the store cannot be reached


def test_storage_unreachable_pages_work_and_downloads_answer_503(
    settings, tmp_path, member_client, unreachable_storage
):
    stored = settings.STORAGES
    here = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    settings.STORAGES = {**stored, "default": here}
    settings.MEDIA_ROOT = tmp_path
    meeting, paper = published_meeting_with_upload()
    services.issue_pack(meeting)
    settings.STORAGES = stored  # the store goes away

    for url in (reverse("home"), reverse("meetings:meeting_list"), meeting.get_absolute_url()):
        assert member_client.get(url).status_code == 200, url
    for url in (
        reverse("meetings:pack_download", args=[meeting.pk]),
        reverse("meetings:paper_file", args=[paper.pk]),
    ):
        response = member_client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"] == "60"
        assert "This file is unavailable for now" in response.text
        assert "Nothing has been lost" in response.text


def test_a_pack_build_without_the_store_keeps_its_reason_and_is_built_later(
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
    member_client,
    unreachable_storage,
    caplog,
):
    caplog.set_level("INFO")
    away = settings.STORAGES
    here = {**away, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.STORAGES, settings.MEDIA_ROOT = here, tmp_path
    meeting, paper = published_meeting_with_upload("Kept safe")
    upload = paper.file.name
    with paper.file.open("rb") as handle:
        uploaded = handle.read()
    settings.STORAGES = away

    with django_capture_on_commit_callbacks(execute=True):
        job = request_pack_build(meeting)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (PackJob.Status.QUEUED, 1)
    assert job.message.startswith(
        "The file store is unavailable for now, so the pack could not be stored. It will be "
        "tried again after "
    )
    assert job.message.endswith("(attempt 1 of 5); nothing has been lost.")
    assert not PackVersion.objects.exists()
    # Not mistaken for a damaged upload, and no pack typeset that could not be stored.
    assert "could not be merged" not in caplog.text
    assert "Pack built" not in caplog.text
    assert job.message in member_client.get(meeting.get_absolute_url()).text
    assert requeue_pack_jobs() == 0  # not due yet

    settings.STORAGES = here  # the store is back
    with time_machine.travel(job.due_at + datetime.timedelta(seconds=1)):
        assert requeue_pack_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.message) == (PackJob.Status.DONE, "")
    version = PackVersion.objects.get(meeting=meeting)
    assert job.version == version
    with version.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == version.sha256
    with default_storage.open(upload, "rb") as handle:
        assert handle.read() == uploaded


def test_a_pack_build_gives_up_after_its_attempts_and_says_why(
    settings, django_capture_on_commit_callbacks, unreachable_storage
):
    settings.WKP_PACK_BUILD_ATTEMPTS = 2
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    AgendaItemFactory(meeting=meeting).papers.add(
        PaperFactory(meeting=meeting, letter="A", body_html="<p>Typed</p>")
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = request_pack_build(meeting)
    job.refresh_from_db()
    with time_machine.travel(job.due_at + datetime.timedelta(seconds=1)):
        requeue_pack_jobs()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (PackJob.Status.FAILED, 2)
    assert job.message == (
        "The pack could not be built: the file store was unavailable after 2 attempts. "
        "Please issue it again once it is back."
    )


def test_the_sweep_leaves_a_job_whose_task_a_worker_has_just_taken(settings):
    """A task taken a moment ago belongs to a live worker that has not locked its job yet;
    taken longer ago than the requeue time with its job still unlocked, its worker died."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    job = PackJob.objects.create(meeting=meeting, due_at=timezone.now())
    task = build_pack_version.enqueue(job.pk)
    assert requeue_pack_jobs() == 0  # its task waits for a worker

    taken = timezone.now()
    DBTaskResult.objects.filter(pk=task.id).update(status="RUNNING", started_at=taken)
    assert requeue_pack_jobs() == 0  # just taken
    with time_machine.travel(taken + requeue_after() - datetime.timedelta(seconds=1)):
        assert requeue_pack_jobs() == 0
    with time_machine.travel(taken + requeue_after() + datetime.timedelta(seconds=1)):
        assert requeue_pack_jobs() == 1  # its worker died
    again = DBTaskResult.objects.exclude(pk=task.id).get()
    assert (again.status, again.args_kwargs["args"]) == ("READY", [job.pk])


# ---- /healthz


def test_healthz_needs_no_login_and_says_only_what_is_fine(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "storage": "ok", "worker": "failing"}

    WorkerHeartbeat.objects.create(name="worker-1:42", seen_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "storage": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
        assert client.get("/healthz").json()["worker"] == "failing"


def test_healthz_says_when_the_store_is_unreachable(client, unreachable_storage):
    WorkerHeartbeat.objects.create(name="worker-1:42", seen_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "storage": "failing", "worker": "ok"}


def test_healthz_on_s3(client, s3_storage):
    WorkerHeartbeat.objects.create(name="worker-1:42", seen_at=timezone.now())
    assert client.get("/healthz").json() == {"database": "ok", "storage": "ok", "worker": "ok"}


def test_the_worker_writes_its_heartbeat_and_runs_the_sweeps():
    from wkp.management.commands.run_worker import beat

    old = WorkerHeartbeat.objects.create(
        name="gone:1", seen_at=timezone.now() - datetime.timedelta(days=2)
    )
    beat("here:7")
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["here:7"]
    assert not WorkerHeartbeat.objects.filter(pk=old.pk).exists()


# ---- Logs


def test_log_format_json_writes_one_json_object_a_line(tmp_path):
    script = (
        "import logging\n"
        "log = logging.getLogger('wkp.test')\n"
        "log.warning('Pack for %s', 'meeting 1')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('It broke')\n"
    )
    done = manage(
        "shell", "-c", script, env={"DEBUG": "1", "LOG_FORMAT": "json", "MEDIA_ROOT": str(tmp_path)}
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines][-2:] == [
        ("WARNING", "wkp.test", "Pack for meeting 1"),
        ("ERROR", "wkp.test", "It broke"),
    ]
    assert "ZeroDivisionError" in lines[-1]["exception"]
    assert all(datetime.datetime.fromisoformat(line["time"]).tzinfo for line in lines)
