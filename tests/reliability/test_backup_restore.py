"""Backup and restore (issue 9, point 8): `manage.py backup`, then `manage.py restore` into a new
database on the same cluster and a new media folder, then the two compared without trusting the
backup's manifest: every row of every table, the sequences, every media file's SHA-256, the
ledger totals (finance's Decimal arithmetic), and every issued pack byte for byte, on disk and as
the download view serves it from the restored database.

Both commands run as `manage.py` subprocesses, as in production: the test process keeps its own
connection to the test database, and the restore must not touch it.
"""

import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from tests.conftest import skip_unless_postgres
from tests.reliability.site_state import state
from tests.security.world import tiny_pdf

# pg_dump must see the test's data, so it is committed (and flushed after each test).
on_postgres = pytest.mark.django_db(transaction=True)


def database_url(name):
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{name}"


def manage(*args, database, media):
    """Run manage.py with DATABASE_URL and MEDIA_ROOT pointing at the given targets."""
    env = {**os.environ, "DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media)}
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def tables_in(name):
    """How many tables a database on the test cluster holds (read with a connection of our own)."""
    import psycopg2

    db = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=name, user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
        ) as other,
        other.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        count = cursor.fetchone()[0]
    other.close()
    return count


@pytest.fixture
def source_media(postgres, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def the_test_database():
    return connection.settings_dict["NAME"]


def add_realistic_changes():
    """On top of the demo: the "to follow" Paper H arrives as an uploaded PDF (so pack v2 and its
    supplement are issued by the real services), an attachment, and two ledger postings."""
    from django.contrib.auth import get_user_model

    from finance import services as finance_services
    from finance.models import FinancialYear, LedgerEntry
    from meetings import services
    from meetings.forms import AttachmentForm, PaperForm
    from meetings.models import Meeting, Paper
    from tests.finance.factories import post_on_first_day

    admin = get_user_model().objects.get(username="admin")
    meeting = Meeting.objects.get(date=datetime.date(2006, 7, 14))
    paper = Paper.objects.get(meeting=meeting, letter="H")
    upload = SimpleUploadedFile("Learning and skills.pdf", tiny_pdf("Learning and Skills", 3))
    form = PaperForm(
        {"title": paper.title, "status": Paper.Status.AVAILABLE, "version": paper.version},
        {"upload": upload},
        instance=paper,
        meeting=meeting,
    )
    assert form.is_valid(), form.errors
    paper = form.apply_upload(form.save(commit=False))
    services.save_paper(paper, version=form.cleaned_data["version"], by=admin)

    other = Paper.objects.get(meeting=meeting, letter="A")
    form = AttachmentForm(
        {"title": "Annex"}, {"upload": SimpleUploadedFile("annex.pdf", tiny_pdf("Annex"))}
    )
    assert form.is_valid(), form.errors
    attachment = form.save(commit=False)
    attachment.paper = other
    upload = form.cleaned_data["upload"]
    upload.name = "attachment.pdf"
    attachment.file, attachment.file_name = upload, form.original_name
    attachment.file_size, attachment.content_type = form.checked.size, "application/pdf"
    attachment.save()

    year = FinancialYear.objects.filter(is_closed=False).order_by("start_year").last()
    income = LedgerEntry.Kind.INCOME
    entry = post_on_first_day(year, income, "1234.56", "Backup test contribution", by=admin)
    finance_services.reverse_entry(entry, by=admin, posted_on=year.start_date, reason="test")
    post_on_first_day(year, LedgerEntry.Kind.OVERHEAD, "99.99", "Backup test overhead", by=admin)


@on_postgres
def test_backup_then_restore_into_a_fresh_database_and_folder_is_identical(
    source_media, fresh_database, tmp_path
):
    from meetings.models import PackVersion

    call_command("load_demo", stdout=io.StringIO())
    add_realistic_changes()
    versions = list(PackVersion.objects.order_by("meeting_id", "number"))
    assert len(versions) >= 2 and any(v.supplement for v in versions)

    archive = tmp_path / "backups" / "wkp-test.tar"
    started = time.monotonic()
    backed_up = manage(
        "backup", "-o", str(archive), database=the_test_database(), media=source_media
    )
    backup_seconds = time.monotonic() - started
    assert backed_up.returncode == 0, backed_up.stderr
    assert "Warning" not in backed_up.stderr
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds private papers: owner only"

    restored_media = tmp_path / "restored-media"
    started = time.monotonic()
    restored = manage("restore", str(archive), database=fresh_database, media=restored_media)
    restore_seconds = time.monotonic() - started
    assert restored.returncode == 0, restored.stderr
    assert "verified" in restored.stdout

    before = state(source_media)
    probe = subprocess.run(
        [sys.executable, "-m", "tests.reliability.site_state", str(restored_media)],
        env={
            **os.environ,
            "DATABASE_URL": database_url(fresh_database),
            "MEDIA_ROOT": str(restored_media),
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    after = json.loads(probe.stdout)

    assert sorted(after["rows"]) == sorted(before["rows"])
    counts = {table: len(rows) for table, rows in before["rows"].items()}
    assert {table: len(rows) for table, rows in after["rows"].items()} == counts
    differing = [table for table in before["rows"] if after["rows"][table] != before["rows"][table]]
    assert differing == [], "these tables' rows differ after the restore"
    assert after["sequences"] == before["sequences"]

    assert after["files"] == before["files"]
    assert {name for name in before["files"] if name.startswith("papers/")}
    assert {name for name in before["files"] if name.startswith("attachments/")}

    ledger_before = {key: Decimal(value) for key, value in before["ledger"].items()}
    ledger_after = {key: Decimal(value) for key, value in after["ledger"].items()}
    assert ledger_after == ledger_before
    assert ledger_before["total income"] > 0

    assert after["packs"] == before["packs"]
    for version in versions:
        for name, digest in (
            (version.file.name, version.sha256),
            (version.supplement.name, version.supplement_sha256),
        ):
            if not name:
                continue
            original = (source_media / name).read_bytes()
            assert (restored_media / name).read_bytes() == original
            assert hashlib.sha256(original).hexdigest() == digest
        key = f"{version.meeting_id} v{version.number}"
        assert after["served"][f"{key} file"] == {"status": 200, "sha256": version.sha256}
        if version.supplement:
            served = after["served"][f"{key} supplement"]
            assert served == {"status": 200, "sha256": version.supplement_sha256}

    print(
        f"\nbackup/restore: archive {archive.stat().st_size:,} bytes, "
        f"{sum(counts.values()):,} rows in {len(counts)} tables, {len(before['files'])} files, "
        f"{len(versions)} pack versions; backup {backup_seconds:.1f} s, "
        f"restore {restore_seconds:.1f} s (wall, including Django start-up)\n"
        f"{backed_up.stdout}{restored.stdout}"
    )


@pytest.fixture(scope="module")
def small_archive(django_db_setup, tmp_path_factory):
    """A backup of the bare test database (as migrated: the roles' groups, no other rows) and
    two media files, in a folder beside the media it was made from. Made once for the tests
    here that restore it or a damaged copy of it (`rewrite`): none changes it, and each
    `manage.py backup` took 2–3 s."""
    skip_unless_postgres("backup and restore")
    folder = tmp_path_factory.mktemp("small-archive")
    media = folder / "media"
    (media / "papers" / "2006").mkdir(parents=True)
    (media / "papers" / "2006" / "paper.pdf").write_bytes(tiny_pdf("One"))
    (media / "papers" / "2006" / "other.pdf").write_bytes(tiny_pdf("Two"))
    archive = folder / "small.tar"
    result = manage("backup", "-o", str(archive), database=the_test_database(), media=media)
    assert result.returncode == 0, result.stderr
    return archive


def rewrite(archive, change, folder):
    """A copy of the archive in `folder`, with `change(name, data)` applied to each member's
    bytes."""
    changed = folder / "changed.tar"
    with (
        tarfile.open(archive) as source,
        tarfile.open(changed, "w", format=tarfile.PAX_FORMAT) as out,
    ):
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return changed


@on_postgres
def test_restore_refuses_a_database_that_is_not_empty(small_archive, tmp_path):
    result = manage(
        "restore", str(small_archive), database=the_test_database(), media=tmp_path / "m"
    )
    assert result.returncode != 0
    assert "Refusing to restore" in result.stderr
    assert "--replace" in result.stderr
    assert not (tmp_path / "m").exists()


@on_postgres
def test_restore_refuses_a_media_folder_that_is_not_empty(small_archive, fresh_database):
    backed_up = small_archive.parent / "media"  # the folder the archive was made from
    result = manage("restore", str(small_archive), database=fresh_database, media=backed_up)
    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert tables_in(fresh_database) == 0


@on_postgres
def test_a_changed_media_file_fails_before_anything_is_restored(
    small_archive, fresh_database, tmp_path
):
    def flip_one_byte(name, data):
        if name == "media/papers/2006/paper.pdf":
            return data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
        return data

    changed = rewrite(small_archive, flip_one_byte, tmp_path)
    result = manage("restore", str(changed), database=fresh_database, media=tmp_path / "m")
    assert result.returncode != 0
    assert "media/papers/2006/paper.pdf: SHA-256 differs" in result.stderr
    assert "nothing was restored" in result.stderr
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").iterdir())
    assert tables_in(fresh_database) == 0


@on_postgres
def test_a_manifest_that_does_not_match_the_data_fails_verification(
    small_archive, fresh_database, tmp_path
):
    def miscount(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["auth_group"]["rows"] += 1
        return json.dumps(manifest).encode()

    changed = rewrite(small_archive, miscount, tmp_path)
    result = manage("restore", str(changed), database=fresh_database, media=tmp_path / "m")
    assert result.returncode != 0
    assert "does NOT match the backup" in result.stderr
    assert "table auth_group: 2 rows restored, 3 backed up" in result.stderr


def test_backup_refuses_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "backup", "-o", "x.tar"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "need PostgreSQL" in result.stderr
    assert not (tmp_path / "x.tar").exists()


@on_postgres
def test_replace_restores_over_an_earlier_restore_and_keeps_the_old_media(
    small_archive, fresh_database, tmp_path
):
    media = tmp_path / "m"
    assert (
        manage("restore", str(small_archive), database=fresh_database, media=media).returncode == 0
    )
    (media / "stray.txt").write_text("made after the backup")
    again = manage("restore", "--replace", str(small_archive), database=fresh_database, media=media)
    assert again.returncode == 0, again.stderr
    assert "verified" in again.stdout
    assert not (media / "stray.txt").exists()
    (kept,) = tmp_path.glob("m.before-restore-*")
    assert (kept / "stray.txt").read_text() == "made after the backup"


def query(name, sql, params=()):
    """Run one statement on another database of the test cluster; rows for a SELECT."""
    import psycopg2

    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=name, user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
    )
    try:
        with other, other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        other.close()


@on_postgres
@pytest.mark.parametrize("damage", ["manifest row count", "dump cut short"])
def test_a_failed_replace_leaves_the_database_and_media_as_they_were(
    small_archive, fresh_database, tmp_path, damage
):
    media = tmp_path / "m"
    first = manage("restore", str(small_archive), database=fresh_database, media=media)
    assert first.returncode == 0, first.stderr
    # Restored files are private, as uploads are.
    assert oct(os.stat(media / "papers" / "2006" / "paper.pdf").st_mode & 0o777) == oct(0o640)
    assert oct(os.stat(media / "papers" / "2006").st_mode & 0o777) == oct(0o750)
    # The live site moves on after the backup: a new group and a new file.
    query(fresh_database, "INSERT INTO auth_group (name) VALUES ('Made after the backup')")
    (media / "stray.txt").write_text("made after the backup")
    groups = query(fresh_database, "SELECT id, name FROM auth_group ORDER BY id")
    tables = tables_in(fresh_database)
    files = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())

    with tarfile.open(small_archive) as archive:
        dump = archive.extractfile("database.dump").read()
    short = dump[: len(dump) * 2 // 3]

    def damaged(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            if damage == "manifest row count":
                manifest["tables"]["auth_group"]["rows"] += 1
            else:  # the checksum made to match, so only pg_restore can notice
                manifest["database"]["dump_sha256"] = hashlib.sha256(short).hexdigest()
            return json.dumps(manifest).encode()
        if name == "database.dump" and damage == "dump cut short":
            return short
        return data

    changed = rewrite(small_archive, damaged, tmp_path)
    again = manage("restore", "--replace", str(changed), database=fresh_database, media=media)
    assert again.returncode != 0
    assert "the database and the media folder are as they were" in again.stderr
    assert query(fresh_database, "SELECT id, name FROM auth_group ORDER BY id") == groups
    assert tables_in(fresh_database) == tables
    assert (
        query(fresh_database, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'wkp_%%'") == []
    )
    assert sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) == files
    assert list(tmp_path.glob("m.before-restore-*")) == []
