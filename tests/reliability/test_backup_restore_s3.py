"""Backup and restore with the files in an S3-compatible store (issue 17): `manage.py backup`
reads every object of the bucket into the archive, `manage.py restore` writes them into an empty
bucket, and the restored issued pack is byte for byte the one issued. Both commands run as
subprocesses with the store chosen by environment, as in production."""

import hashlib
import json
import tarfile

import psycopg2
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.reliability.test_backup_restore import database_url, on_postgres, the_test_database
from tests.s3 import environment, make_bucket, s3_client
from tests.security.world import tiny_pdf
from tests.wkp.test_object_storage import manage as run_manage


def manage(*args, database, endpoint, bucket):
    env = {"DEBUG": "1", "DATABASE_URL": database_url(database), **environment(endpoint, bucket)}
    return run_manage(*args, env=env)


def objects(endpoint, bucket):
    """{key: SHA-256} of every object in the bucket."""
    client = s3_client(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            found[item["Key"]] = hashlib.sha256(body).hexdigest()
    return found


@on_postgres
def test_backup_from_a_bucket_restores_into_an_empty_bucket_byte_for_byte(
    s3_endpoint, s3_storage, fresh_database, tmp_path
):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    item = AgendaItemFactory(meeting=meeting)
    paper = PaperFactory(meeting=meeting, letter="A", title="Upload", file_kind="pdf")
    paper.file.save("paper.pdf", ContentFile(tiny_pdf("Backed up")))
    item.papers.add(paper)
    version = services.issue_pack(meeting)
    source = objects(s3_endpoint, s3_storage)
    assert version.file.name in source and paper.file.name in source

    archive = tmp_path / "backup.tar"
    done = manage(
        "backup", "-o", str(archive), database=the_test_database(), endpoint=s3_endpoint,
        bucket=s3_storage,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {name: entry["sha256"] for name, entry in manifest["media"].items()} == source
    assert manifest["known_problems"] == []

    target = make_bucket(s3_endpoint)
    done = manage(
        "restore", str(archive), database=fresh_database, endpoint=s3_endpoint, bucket=target
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert objects(s3_endpoint, target) == source
    db = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=fresh_database, user=db["USER"], host=db["HOST"], port=db["PORT"]
        ) as restored,
        restored.cursor() as cursor,
    ):
        cursor.execute("SELECT file, sha256 FROM meetings_packversion")
        ((name, sha256),) = cursor.fetchall()
    restored.close()
    assert (name, sha256) == (version.file.name, version.sha256)
    assert objects(s3_endpoint, target)[name] == version.sha256

    # A bucket that holds files is never restored into (nor emptied by --replace).
    again = manage(
        "restore", str(archive), "--replace", database=fresh_database, endpoint=s3_endpoint,
        bucket=target,
    )  # fmt: skip
    assert again.returncode != 0
    assert "the file store holds" in again.stderr
    assert objects(s3_endpoint, target) == source
