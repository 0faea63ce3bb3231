"""Backup and restore: one .tar holding the PostgreSQL dump, the media folder and a manifest.

The archive holds `database.dump` (`pg_dump --format=custom`), `media/…` (every file under
MEDIA_ROOT) and `manifest.json`: each table's row count and a fingerprint of its rows, the
SHA-256 of every media file and of the dump, the figures each app's registered check records
(wkp/registry.py: the ledger totals, the issued packs), the applied migrations and the app
version. The dump and the manifest's database figures come from one
snapshot (a REPEATABLE READ transaction whose snapshot pg_dump shares), so they always agree.

`restore` needs an empty database and an empty media folder. It checks the archive against its
manifest before changing anything, restores, then reads everything back from the database and
the disk and compares it with the manifest; any difference is an error.

Files in an S3-compatible store (STORAGE_BACKEND=s3) are backed up and restored the same way,
through the storage API: every object in the bucket (under S3_PREFIX) goes into `media/…`, and a
restore needs an empty bucket (or prefix) and writes them back under the same names.

PostgreSQL only: SQLite is the demo database (copy `db.sqlite3` and `media/` instead).
"""

import contextlib
import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management import CommandError
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .registry import backup_checks

FORMAT = "wkp-backup"
FORMAT_VERSION = 1
DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
SHOWN_DIFFERENCES = 20
MANIFEST_KEYS = {"database", "migrations", "tables", "known_problems", "media"}

# Connection options that libpq also reads from the environment.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


class BackupError(Exception):
    """A backup or restore that cannot go on, or a restore that does not match its backup."""


def require_postgresql():
    if connection.vendor != "postgresql":
        raise BackupError(
            f"Backup and restore need PostgreSQL; this database is {connection.vendor}. "
            "The SQLite demo database is one file: stop the app and copy db.sqlite3 and the "
            "media folder instead."
        )


def pg_tool(name):
    """The newest installed PostgreSQL client (pg_dump must be at least the server's version)."""
    folders = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else -1,
    )
    for folder in reversed(folders):
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found on PATH or in /usr/lib/postgresql/*/bin.")


def pg_env(db=None):
    """libpq's environment for the database: the password travels here, never in argv."""
    db = db or settings.DATABASES["default"]
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    for option, variable in LIBPQ_OPTIONS.items():
        if option in db.get("OPTIONS", {}):
            env[variable] = str(db["OPTIONS"][option])
    return env


def run_pg(argv):
    completed = subprocess.run(  # noqa: S603 - PostgreSQL's own tools, arguments are ours
        argv, env=pg_env(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        message = completed.stderr.strip() or completed.stdout.strip()
        raise BackupError(f"{Path(argv[0]).name} failed (exit {completed.returncode}): {message}")
    return completed


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def regular_files(root):
    """(posix relative path, Path) of every regular file under `root`, in a stable order."""
    root = Path(root)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def media_files(root):
    """Every stored file: {posix relative path: {"sha256", "size"}} (under `root` on the disk)."""
    if not on_disk():
        return {name: stored_digest(name) for name in stored_names()}
    return {
        relative: {"sha256": sha256_file(path), "size": path.stat().st_size}
        for relative, path in regular_files(root)
    }


def on_disk():
    """True when the files are on the local disk (MEDIA_ROOT), False in an object store."""
    from django.core.files.storage import FileSystemStorage, default_storage

    return isinstance(default_storage, FileSystemStorage)


def stored_names(folder=""):
    """Every file name in the (object) storage, in a stable order."""
    from django.core.files.storage import default_storage

    folders, files = default_storage.listdir(folder)
    prefix = f"{folder}/" if folder else ""
    names = [prefix + name for name in files]
    for sub in folders:
        names.extend(stored_names(prefix + sub))
    return sorted(names)


def stored_digest(name):
    from django.core.files.storage import default_storage

    digest, size = hashlib.sha256(), 0
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def stored_file_exists(root, name):
    from django.core.files.storage import default_storage

    return (Path(root) / name).is_file() if on_disk() else default_storage.exists(name)


def stored_sha256(root, name):
    return sha256_file(Path(root) / name) if on_disk() else stored_digest(name)["sha256"]


# What the database holds ---------------------------------------------------------------------


def table_stats():
    """Row count and a fingerprint of the rows of every table (order-independent)."""
    stats = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            name = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(wkp_row::text), '' "  # noqa: S608
                f"ORDER BY md5(wkp_row::text)), '')) FROM {name} AS wkp_row"
            )
            rows, fingerprint = cursor.fetchone()
            stats[table] = {"rows": rows, "fingerprint": fingerprint}
    return stats


def stored_file_problems(media_root):
    """Files the database names that are missing from the media folder, and what the apps'
    checks find wrong with stored files (issued packs whose bytes differ from their SHA-256)."""
    root = Path(media_root)
    problems = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, models.FileField):
                continue
            names = (
                model._default_manager.exclude(**{model_field.attname: ""})
                .exclude(**{f"{model_field.attname}__isnull": True})
                .values_list(model_field.attname, flat=True)
                .distinct()
            )
            for name in names:
                if not stored_file_exists(root, name):
                    problems.add(f"missing file {name} ({model._meta.label}.{model_field.name})")
    for check in backup_checks():
        if check.file_problems:
            problems.update(check.file_problems(root))
    return sorted(problems)


def applied_migrations():
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def app_version():
    import tomllib

    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# Backup --------------------------------------------------------------------------------------


class HashingReader:
    """Hashes what tarfile reads, so the manifest describes the bytes actually archived."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


@dataclass
class Summary:
    path: Path
    size: int = 0
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    counts: dict = field(default_factory=dict)  # "issued pack": 3, from the apps' checks
    seconds: float = 0.0
    warnings: list = field(default_factory=list)


def default_backup_path():
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return settings.BASE_DIR / "backups" / f"wkp-{stamp}.tar"


def backup(output=None):
    """Write one archive of the database and the media folder; return a Summary."""
    require_postgresql()
    started = time.monotonic()
    output = Path(output or default_backup_path()).resolve()
    if output.exists():
        raise BackupError(f"{output} exists already; choose another name.")
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    media_root = Path(settings.MEDIA_ROOT)
    pg_dump = pg_tool("pg_dump")
    summary = Summary(path=output)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".wkp-backup-") as work:
        dump = Path(work) / DUMP_NAME
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "app_version": app_version(),
        }
        connection.ensure_connection()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SHOW transaction_isolation")
                if cursor.fetchone()[0] != "repeatable read":
                    raise BackupError("Could not take a consistent snapshot of the database.")
                set_stable_text_output(cursor)
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
            # pg_dump reads the very snapshot the figures below are taken in.
            run_pg([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                    f"--file={dump}"])  # fmt: skip
            manifest["database"] = {
                "server_version": server_version,
                "pg_dump": run_pg([pg_dump, "--version"]).stdout.strip(),
                "dump_sha256": sha256_file(dump),
                "dump_size": dump.stat().st_size,
            }
            manifest["migrations"] = applied_migrations()
            manifest["tables"] = table_stats()
            for check in backup_checks():
                manifest[check.key] = check.figures()
            problems = stored_file_problems(media_root)
        manifest["known_problems"] = problems
        summary.warnings.extend(problems)
        partial = output.with_name(output.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive,
            ):
                archive.add(dump, arcname=DUMP_NAME, filter=_private)
                manifest["media"] = add_media(archive, media_root)
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime = len(data), int(time.time())
                _private(info)
                archive.addfile(info, fileobj=io.BytesIO(data))
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    summary.size = output.stat().st_size
    summary.tables = len(manifest["tables"])
    summary.rows = sum(t["rows"] for t in manifest["tables"].values())
    summary.files = len(manifest["media"])
    summary.file_bytes = sum(f["size"] for f in manifest["media"].values())
    summary.counts = app_counts(manifest)
    summary.seconds = time.monotonic() - started
    return summary


def app_counts(figures):
    """{"issued pack": 3, …}: how many entries each counted check's figures hold."""
    return {c.counted: len(figures[c.key]) for c in backup_checks() if c.counted}


def run_for_command(command, step, *args, **kwargs):
    """`step` (backup or restore) for a manage.py command: a BackupError ends the command with
    its message, and the summary's warnings go to stderr."""
    try:
        summary = step(*args, **kwargs)
    except BackupError as error:
        raise CommandError(str(error)) from error
    for warning in summary.warnings:
        command.stderr.write(f"Warning: {warning}")
    return summary


def counts_text(summary):
    return "".join(f", {plural(n, label)}" for label, n in summary.counts.items())


def _private(info):
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def plural(count, word):
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def set_stable_text_output(cursor):
    """Row fingerprints hash rows as text: fix the settings that change how values print."""
    cursor.execute(
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; "
        "SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; "
        "SET LOCAL bytea_output = 'hex'"
    )


def add_stored_media(archive):
    """Add every file in the object store; return {name: {"sha256", "size"}}. Each object is
    read whole (one GET) into a temporary file first, so its size and bytes agree."""
    from django.core.files.storage import default_storage

    media = {}
    for name in stored_names():
        with (
            default_storage.open(name, "rb") as handle,
            tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as copy,
        ):
            shutil.copyfileobj(handle, copy, CHUNK)
            size = copy.tell()
            copy.seek(0)
            info = tarfile.TarInfo(MEDIA_PREFIX + name)
            info.size, info.mtime = size, int(time.time())
            _private(info)
            reader = HashingReader(copy)
            archive.addfile(info, fileobj=reader)
        media[name] = {"sha256": reader.digest.hexdigest(), "size": size}
    return media


def add_media(archive, media_root):
    """Add every file under MEDIA_ROOT; return {relative path: {"sha256", "size"}}."""
    if not on_disk():
        return add_stored_media(archive)
    media = {}
    for relative, path in regular_files(media_root):
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            info = tarfile.TarInfo(MEDIA_PREFIX + relative)
            info.size, info.mtime = stat.st_size, int(stat.st_mtime)
            _private(info)
            reader = HashingReader(handle)
            archive.addfile(info, fileobj=reader)
            after = os.fstat(handle.fileno())
        if (after.st_size, after.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            # Being written as we read it (a render cache file, say): the copy may be torn.
            raise BackupError(
                f"media/{relative} changed while it was copied; run the backup again."
            )
        media[relative] = {"sha256": reader.digest.hexdigest(), "size": stat.st_size}
    return media


# Restore -------------------------------------------------------------------------------------


def read_manifest(archive):
    try:
        member = archive.getmember(MANIFEST_NAME)
        manifest = json.load(archive.extractfile(member))
    except (KeyError, ValueError) as error:
        raise BackupError(f"Not a WKP backup: no readable {MANIFEST_NAME}.") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Not a WKP backup of format {FORMAT_VERSION}: "
            f"{manifest.get('format')!r} version {manifest.get('format_version')!r}."
        )
    missing = sorted(MANIFEST_KEYS.union(c.key for c in backup_checks()) - set(manifest))
    if missing:
        raise BackupError(f"The backup's manifest is incomplete: no {', '.join(missing)}.")
    return manifest


def media_member_path(name):
    """The relative media path of an archive member, refusing anything that could escape."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.parts[0] != MEDIA_PREFIX.rstrip("/"):
        raise BackupError(f"The archive holds an unexpected entry {name!r}; refusing it.")
    return PurePosixPath(*path.parts[1:]).as_posix()


def existing_tables():
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def unpack(archive, manifest, work, staging):
    """Extract the dump and the media into `work` and `staging`, checking every byte against the
    manifest before anything is restored."""
    differences = []
    dump = Path(work) / DUMP_NAME
    seen = set()
    for member in archive.getmembers():
        if member.name == MANIFEST_NAME:
            continue
        if not member.isfile():
            if member.isdir():
                continue
            raise BackupError(f"The archive holds an unexpected entry {member.name!r}.")
        if member.name == DUMP_NAME:
            target = dump
        else:
            relative = media_member_path(member.name)
            seen.add(relative)
            target = Path(staging, *PurePosixPath(relative).parts)
            # Private, as uploads are (FILE_UPLOAD_*PERMISSIONS), whatever the umask.
            for folder in reversed([*target.relative_to(staging).parents][:-1]):
                (staging / folder).mkdir(exist_ok=True)
                os.chmod(staging / folder, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS)
        digest = hashlib.sha256()
        with archive.extractfile(member) as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if target != dump:
            os.chmod(target, settings.FILE_UPLOAD_PERMISSIONS)
        if target == dump:
            if digest.hexdigest() != manifest["database"]["dump_sha256"]:
                differences.append(f"{DUMP_NAME}: SHA-256 differs from the manifest's")
        else:
            expected = manifest["media"].get(relative)
            if expected is None:
                differences.append(f"media/{relative}: in the archive but not in the manifest")
            elif digest.hexdigest() != expected["sha256"]:
                differences.append(f"media/{relative}: SHA-256 differs from the manifest's")
    if not dump.exists():
        differences.append(f"{DUMP_NAME}: missing from the archive")
    differences.extend(
        f"media/{name}: in the manifest but missing from the archive"
        for name in sorted(set(manifest["media"]) - seen)
    )
    if differences:
        raise BackupError(
            "The archive is damaged or was changed after the backup; nothing was restored.\n"
            + _list(differences)
        )
    return dump


def _list(differences):
    shown = [f"  - {line}" for line in differences[:SHOWN_DIFFERENCES]]
    if len(differences) > SHOWN_DIFFERENCES:
        shown.append(f"  … and {len(differences) - SHOWN_DIFFERENCES} more")
    return "\n".join(shown)


# Where `--replace` keeps the live schema while the archive is restored and checked.
ASIDE_SCHEMA = "wkp_before_restore"


def schema_exists(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def set_database_aside():
    """For `--replace`: move the live schema aside, whole, and give pg_restore an empty one."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA public RENAME TO {ASIDE_SCHEMA}; CREATE SCHEMA public")


def clear_database():
    """Drop whatever a failed restore left in the public schema."""
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def put_database_back():
    """Undo `set_database_aside` after a failed restore: the database is as it was."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA public CASCADE; ALTER SCHEMA {ASIDE_SCHEMA} RENAME TO public")


def drop_database_set_aside():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {ASIDE_SCHEMA} CASCADE")


def refuse_after_interrupted_restore():
    if schema_exists(ASIDE_SCHEMA):
        raise BackupError(
            f"The database holds a schema {ASIDE_SCHEMA!r} left by an interrupted restore: it "
            "may be the data from before that restore. Check it, then rename or drop it."
        )


def load_dump(pg_restore, dump):
    """Load the archive's pg_dump into this database, all or nothing."""
    run_pg([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", "--no-password",
            f"--dbname={settings.DATABASES['default']['NAME']}", str(dump)])  # fmt: skip


@contextlib.contextmanager
def all_or_nothing(aside, undo):
    """Around the restore's writes: on any failure `undo()` them (a BackupError's message then
    says what it put back); else drop the old schema set aside, if there is one."""
    try:
        yield
    except BaseException as error:
        undone = undo()
        if isinstance(error, BackupError):
            raise BackupError(f"{error}\n{undone}") from error
        raise
    if aside:
        drop_database_set_aside()


def restore(path, *, replace=False):
    """Restore an archive into this (empty) database and media folder or file store, then
    verify it."""
    require_postgresql()
    started = time.monotonic()
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    restore_files = restore_to_disk if on_disk() else restore_to_object_store
    summary = restore_files(path, replace=replace)
    summary.path = path
    summary.seconds = time.monotonic() - started
    return summary


def restore_to_disk(path, *, replace=False):
    """`restore` when the files live in MEDIA_ROOT."""
    media_root = Path(settings.MEDIA_ROOT)
    tables = existing_tables()
    media_in_place = media_root.is_dir() and any(media_root.iterdir())
    if not replace and (tables or media_in_place):
        what = []
        if tables:
            db_name = settings.DATABASES["default"]["NAME"]
            what.append(f"the database {db_name} has {len(tables)} tables")
        if media_in_place:
            what.append(f"the media folder {media_root} is not empty")
        raise BackupError(
            "Refusing to restore: "
            + " and ".join(what)
            + ". Restore into a new, empty database and media folder, or pass --replace to "
            "drop what is there (the old media folder is kept beside the new one)."
        )
    refuse_after_interrupted_restore()
    pg_restore = pg_tool("pg_restore")
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if not tarfile.is_tarfile(path):
        raise BackupError(f"{path} is not a backup archive (a .tar written by `backup`).")
    with (
        tarfile.open(path, mode="r:") as archive,
        tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".wkp-restore-") as work,
    ):
        manifest = read_manifest(archive)
        staging = Path(work) / "media"
        staging.mkdir()
        dump = unpack(archive, manifest, work, staging)
        # Restore beside what is there and swap only once every check has passed: the live
        # schema and media folder are set aside, whole, and put back if anything fails.
        aside = bool(replace and tables)
        kept_media, media_existed = None, media_root.is_dir()
        if aside:
            set_database_aside()

        def undo():
            return _undo_restore(aside, media_root, kept_media, media_existed)

        with all_or_nothing(aside, undo):
            if replace and media_in_place:
                stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
                kept_media = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
                media_root.rename(kept_media)
            load_dump(pg_restore, dump)
            media_root.mkdir(parents=True, exist_ok=True)
            os.chmod(media_root, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS)
            for entry in staging.iterdir():
                shutil.move(str(entry), str(media_root / entry.name))
            summary = verify(manifest, media_root)
    return summary


def restore_to_object_store(path, *, replace=False):
    """`restore` when the files live in an object store: into an empty bucket (or prefix); the
    database as on the disk. A bucket cannot be set aside whole, so `--replace` replaces only
    the database, and a bucket holding files is refused."""
    from django.core.files import File
    from django.core.files.storage import default_storage

    tables = existing_tables()
    existing = stored_names()
    what = []
    if tables and not replace:
        db_name = settings.DATABASES["default"]["NAME"]
        what.append(f"the database {db_name} has {len(tables)} tables")
    if existing:
        what.append(f"the file store holds {plural(len(existing), 'file')}")
    if what:
        raise BackupError(
            "Refusing to restore: "
            + " and ".join(what)
            + ". Restore into a new, empty database and an empty bucket (or a new S3_PREFIX); "
            "--replace drops the database's tables but never empties a bucket."
        )
    refuse_after_interrupted_restore()
    pg_restore = pg_tool("pg_restore")
    if not tarfile.is_tarfile(path):
        raise BackupError(f"{path} is not a backup archive (a .tar written by `backup`).")
    with (
        tarfile.open(path, mode="r:") as archive,
        tempfile.TemporaryDirectory(prefix=".wkp-restore-") as work,
    ):
        manifest = read_manifest(archive)
        staging = Path(work) / "media"
        staging.mkdir()
        dump = unpack(archive, manifest, work, staging)
        aside = bool(replace and tables)
        if aside:
            set_database_aside()
        written = []
        with all_or_nothing(aside, lambda: _undo_object_store_restore(aside, written)):
            load_dump(pg_restore, dump)
            for relative, local in regular_files(staging):
                with open(local, "rb") as handle:
                    name = default_storage.save(relative, File(handle, name=relative))
                written.append(name)
                if name != relative:
                    raise BackupError(f"The file store saved media/{relative} as {name}.")
            summary = verify(manifest, Path(settings.MEDIA_ROOT))  # unused off the disk
    return summary


def _undo_database(aside):
    if aside:
        put_database_back()
    else:
        clear_database()


def _undo_object_store_restore(aside, written):
    """Delete the files a failed restore wrote, and put the database back."""
    from django.core.files.storage import default_storage

    for name in written:
        default_storage.delete(name)
    _undo_database(aside)
    return "Nothing was changed: the database and the file store are as they were."


def _undo_restore(aside, media_root, kept_media, media_existed):
    """Put the database and media folder back as they were before a failed restore."""
    _undo_database(aside)
    if media_root.exists():
        shutil.rmtree(media_root)
    if kept_media is not None:
        kept_media.rename(media_root)
    elif media_existed:
        media_root.mkdir()
    return "Nothing was changed: the database and the media folder are as they were."


def _compare(label, backed_up, restored, difference):
    """One line for each name missing on either side, or whose two entries differ."""
    for name in sorted(set(backed_up) | set(restored)):
        expected, found = backed_up.get(name), restored.get(name)
        if expected is None:
            yield f"{label}{name}: restored but not in the backup"
        elif found is None:
            yield f"{label}{name}: in the backup but not restored"
        elif what := difference(expected, found):
            yield f"{label}{name}: {what}"


def _table_difference(expected, found):
    if expected["rows"] != found["rows"]:
        return f"{found['rows']} rows restored, {expected['rows']} backed up"
    if expected["fingerprint"] != found["fingerprint"]:
        return "same row count but the rows differ"
    return ""


def _file_difference(expected, found):
    return "SHA-256 differs from the backup's" if expected["sha256"] != found["sha256"] else ""


def verify(manifest, media_root):
    """Compare the database and the media folder, read afresh, with the manifest."""
    differences = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            set_stable_text_output(cursor)
        tables = table_stats()
        figures = {check.key: check.figures() for check in backup_checks()}
        problems = stored_file_problems(media_root)
    differences.extend(_compare("table ", manifest["tables"], tables, _table_difference))
    files = media_files(media_root)
    differences.extend(_compare("media/", manifest["media"], files, _file_difference))
    for check in backup_checks():
        if figures[check.key] != manifest[check.key]:
            differences.append(check.mismatch(manifest[check.key], figures[check.key]))
    differences.extend(
        f"{problem} (it was not so at backup time)"
        for problem in problems
        if problem not in manifest["known_problems"]
    )
    if differences:
        raise BackupError(
            "The restored data does NOT match the backup; do not use it.\n" + _list(differences)
        )
    summary = Summary(path=None)
    summary.tables = len(tables)
    summary.rows = sum(t["rows"] for t in tables.values())
    summary.files = len(files)
    summary.file_bytes = sum(f["size"] for f in files.values())
    summary.counts = app_counts(figures)
    summary.warnings = [f"{problem} (already so at backup time)" for problem in problems]
    summary.warnings.extend(migration_notes(manifest["migrations"]))
    return summary


def migration_notes(applied):
    """Whether the restored schema is older or newer than this code."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    notes = []
    unknown = sorted(set(applied) - known)
    if unknown:
        notes.append(
            f"the backup has {len(unknown)} migrations this code does not know "
            f"(e.g. {unknown[0]}): it was taken with a newer version of the app"
        )
    if known - set(applied):
        notes.append("this code has migrations the backup lacks: run `manage.py migrate` next")
    return notes
