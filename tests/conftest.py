import contextlib
import functools
import gc
import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management.commands.loaddata import Command as LoaddataCommand
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.renders import renders  # noqa: F401 - fixture
from tests.s3 import (  # noqa: F401 - fixtures
    file_storage,
    parametrise_storage,
    s3_endpoint,
    s3_storage,
    unreachable_storage,
)
from wkp.roles import COORDINATOR, MEMBER

PASSWORD = "correct-horse-battery-staple-42"
DJANGO_SQL_FLUSH = PostgresOperations.sql_flush  # kept for `sql_flush_by_delete`
DJANGO_LOADDATA = LoaddataCommand.loaddata  # kept for `loaddata_once_per_worker`

# Playwright's sync API keeps an event loop running in this thread for the rest of the session
# once a browser test has run (there are browser tests in several folders); the ORM calls made
# beside it are still synchronous and safe. Set here so that any subset of the suite works.
# Subprocesses the suite starts drop this variable (tests/wkp/test_settings.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Tests allocate as a render does: millions of short-lived objects (rows, forms, templates).
# At Python's default thresholds the collector took about a sixth of the ledger state machine's
# time; the render children use the same thresholds (wkp/pdf.py CHILD_GC_THRESHOLDS).
gc.set_threshold(100_000, 50, 100)

# Property tests assert results, never time: no deadline and no "too slow" health check, which
# fail by chance on a busy machine. In CI they also run the same (large) set of examples every
# time, so main never turns red by chance; the long randomised runs live in tests/benchmarks/.
UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("untimed", **UNTIMED)
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, **UNTIMED)
IN_CI = os.environ.get("WKP_REQUIRE_POSTGRES") == "1"
hypothesis_settings.load_profile("ci" if IN_CI else "untimed")


def pytest_generate_tests(metafunc):
    parametrise_storage(metafunc)


def pytest_sessionstart(session):
    if os.environ.get("WKP_REQUIRE_POSTGRES") == "1":
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"WKP_REQUIRE_POSTGRES=1 but the database engine is {engine}")


def skip_unless_postgres(why):
    """Skip a test that needs PostgreSQL on a quick SQLite run. CI sets WKP_REQUIRE_POSTGRES=1,
    and then the session does not start without PostgreSQL (pytest_sessionstart), so nothing
    is skipped there."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(f"{why}: needs PostgreSQL (run under tests/with_postgres.sh)")


_TEMPLATE = []  # the name of the copy, once taken


def sql_flush_by_delete(ops, style, tables, *, reset_sequences=False, allow_cascade=False):
    """The test database emptied after each transactional test (browser tests, live servers)
    with DELETE, not Django's one TRUNCATE of every table: PostgreSQL gives each truncated table
    new files, which took 0.45 s a flush against 0.07 s for deleting the few rows a test leaves
    (58 transactional tests a run). Sequences keep counting, as a TRUNCATE without RESTART
    IDENTITY leaves them. Asked to reset sequences (reset_sequences=True), Django's own statement
    runs.

    Every table goes, so no foreign key can be left dangling: as a superuser (the throwaway
    cluster's), the flush's transaction skips the foreign-key triggers (`session_replication_role
    = replica`, SET LOCAL), which checked each deleted row at commit: 0.8 s a flush after the demo
    data, 0.005 s without. Otherwise Django's foreign keys are deferrable, so deleting in any
    order is checked at commit."""
    if reset_sequences or not tables:
        return DJANGO_SQL_FLUSH(
            ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    deletes = [f"DELETE FROM {ops.quote_name(table)}" for table in tables]  # noqa: S608
    checks = (
        "SET LOCAL session_replication_role = replica"
        if _is_superuser(ops.connection.alias)
        else "SET CONSTRAINTS ALL DEFERRED"
    )
    return [checks, *deletes]


@functools.cache
def _is_superuser(alias):
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete():
    PostgresOperations.sql_flush = sql_flush_by_delete
    yield
    PostgresOperations.sql_flush = DJANGO_SQL_FLUSH


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and on PostgreSQL a copy of it taken before any test runs
    (see `migrated_postgres_template`). pytest-django makes no database for a run none of whose
    tests asks for one; then there is nothing to copy."""
    from django.db import connection
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not name.startswith(TEST_DATABASE_PREFIX):
        yield
        return
    with django_db_blocker.unblock():
        connection.close()  # a template must have no one connected
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}_template"')
            cursor.execute(f'CREATE DATABASE "{name}_template" TEMPLATE "{name}"')
    _TEMPLATE.append(f"{name}_template")
    yield
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}_template" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_postgres_template(django_db_setup):
    """For tests that serve from a database of their own (gunicorn needs committed data): the
    name of a freshly migrated database on the test cluster, to `CREATE DATABASE … TEMPLATE` in
    well under a second instead of migrating from nothing (7–8 s of processor time); None
    when there is none (then they migrate)."""
    skip_unless_postgres("a database of its own")
    return _TEMPLATE[0] if _TEMPLATE else None


@pytest.fixture
def make_user(django_user_model):
    def make(username, group=None, **extra):
        user = django_user_model.objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.org", **extra
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def member(make_user):
    return make_user("member", MEMBER, first_name="Mary", last_name="Member")


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", COORDINATOR, first_name="Cora", last_name="Ordinator")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", is_staff=True, is_superuser=True)


def pass_second_factor(client, user):
    """Mark a signed-in test client's session as having given its second factor.

    The session holds the id of a confirmed device of the user, exactly as django_otp.login
    leaves it; the sign-in pages themselves are tested in tests/security/test_two_factor.py.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def sign_in_fully(client, user):
    """force_login, plus the second factor for the roles that need one."""
    from wkp.two_factor import needs_two_factor

    client.force_login(user)
    if needs_two_factor(user):
        pass_second_factor(client, user)
    return client


def totp_code(device):
    """The code an authenticator app holding this device's key shows now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    return sign_in_fully(client, coordinator)


@pytest.fixture
def admin_client(client, admin_user):
    return sign_in_fully(client, admin_user)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium: it cannot download its own browsers here."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Background tasks run at once in tests (after the transaction commits)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def sign_in(live_server):
    """Signs a browser page in: the password is checked, the session a sign-in makes (with the
    second factor given, for the roles that need one) becomes the page's cookie, and the home
    page opens. Typing through the sign-in and second-step pages took four page loads, about a
    second a test; they are driven in the browser where they are the subject (the keyboard-only
    journey, the accessibility crawl's sign-in pages, the SQLite demo) and through the test
    client in tests/security/test_login.py and test_two_factor.py."""
    from django.conf import settings as django_settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    def sign_in(page, username, password):
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password), f"{username}: not their password"
        session = sign_in_fully(Client(), user).cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session.value,
                    "url": live_server.url,
                }
            ]
        )
        page.goto(f"{live_server.url}/")
        assert page.url == f"{live_server.url}/", page.url

    return sign_in


# ---- Typesetting the same document once per worker
#
# Many tests build the same documents: every `load_demo` issues the July 2006 pack again, and
# tests that only read a rendered PDF ask for the same one. WeasyPrint is deterministic, so a
# worker keeps each successful typesetting (wkp.pdf.typeset, run in its child process) under a key
# of everything that shapes it: the HTML (less its creation time, as `render_pdf_once` keys it),
# the document's name, the media it may fetch and those files' bytes, tagging, the render limits
# and the static-file settings. Anything else (a changed upload, a new limit, a failure) typesets
# for real. Everything around the child runs as before: the render cache in storage, the "PDF
# rendered" log line, the pack's checks. Tests of the child process itself (limits, crashes, the
# fetcher) are marked `typeset_every_time` and never use it; WKP_TEST_TYPESET_ONCE=0 turns it off
# for a whole run.
_TYPESET = {}


def _typeset_key(args, limits):
    import hashlib

    from django.conf import settings as django_settings
    from django.core.files.storage import default_storage

    from wkp import pdf

    html, name, allowed_media, tagged = args
    media = []
    for path in sorted(allowed_media):
        try:
            with default_storage.open(path, "rb") as handle:
                media.append((path, hashlib.sha256(handle.read()).hexdigest()))
        except (OSError, ValueError):
            media.append((path, None))
    static = tuple(
        repr(getattr(django_settings, key, None))
        for key in pdf.CARRIED_SETTINGS
        if key != "MEDIA_ROOT"
    )
    return (
        pdf.CREATED_META.sub("", html),
        name,
        tuple(media),
        tagged,
        limits or pdf.current_limits(),
        static,
    )


@pytest.fixture(autouse=True)
def typeset_once_per_worker(request, monkeypatch):
    if os.environ.get("WKP_TEST_TYPESET_ONCE") == "0" or request.node.get_closest_marker(
        "typeset_every_time"
    ):
        yield
        return
    from wkp import pdf

    run_isolated = pdf.run_isolated

    def typeset_once(function, *args, name, limits=None):
        if function is not pdf.typeset:
            return run_isolated(function, *args, name=name, limits=limits)
        key = _typeset_key(args, limits)
        if key not in _TYPESET:
            _TYPESET[key] = run_isolated(function, *args, name=name, limits=limits)
        return _TYPESET[key]

    monkeypatch.setattr(pdf, "run_isolated", typeset_once)
    yield


# ---- Fixture files loaded once per worker
#
# `loaddata` saves each object of the demo fixtures with an UPDATE and an INSERT: 0.35 s, 121
# times a run (the `seed` fixtures and every `load_demo`). Into empty tables the same files always
# leave the same rows, so a worker notes the tables a real load writes (the objects' own, their
# many-to-many tables, and the history that simple-history adds as many-to-many fields are set),
# keeps what the next real load into those tables, all empty, leaves (COPY … TO, PostgreSQL only),
# and later loads into empty tables copy those rows back (COPY … FROM: the tables' triggers run as
# for an INSERT) and reset the sequences as `loaddata` does. Any other load (a table not empty, a
# changed file, other options) is a real one; WKP_TEST_LOADDATA_ONCE=0 turns this off for a run.
_WRITTEN = {}  # key → the tables a real load of those files wrote
_LOADED = {}  # key → (the models loaded, each written table's rows, the number of objects)
_WRITES = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE)\s+"([^"]+)"', re.IGNORECASE)


def _fixture_key(command, labels):
    paths = [Path(label) for label in labels]
    if not paths or not all(path.is_absolute() and path.is_file() for path in paths):
        return None
    if command.verbosity or command.app_label or command.ignore:
        return None
    if command.excluded_models or command.excluded_apps:
        return None
    files = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in paths)
    return command.using, command.format, files


def _models_of(tables):
    """The models (many-to-many tables' included) whose tables these are."""
    from django.apps import apps

    return [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]


def _date_history_now(connection, tables):
    """simple-history dates the records it adds as the load runs: so do the copies."""
    from django.utils import timezone

    now = timezone.now()
    for model in _models_of(tables):
        if any(field.column == "history_date" for field in model._meta.fields):
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"UPDATE {table} SET history_date = %s", [now])  # noqa: S608


def _all_empty(connection, tables):
    quote = connection.ops.quote_name
    sql = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {quote(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")
        return cursor.fetchone()[0]


def _copy(connection, table, rows=None):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if rows is None:
            out = io.StringIO()
            cursor.cursor.copy_expert(f"COPY {quote(table)} TO STDOUT", out)
            return out.getvalue()
        cursor.cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.StringIO(rows))


@pytest.fixture(scope="session", autouse=True)
def loaddata_once_per_worker():
    from django.db import connections

    if os.environ.get("WKP_TEST_LOADDATA_ONCE") == "0":
        yield
        return

    def loaddata_once(self, fixture_labels):
        connection = connections[self.using]
        key = _fixture_key(self, fixture_labels) if connection.vendor == "postgresql" else None
        if key in _LOADED and _all_empty(connection, list(_LOADED[key][1])):
            models, copied, count = _LOADED[key]
            for table, rows in copied.items():
                _copy(connection, table, rows)
            _date_history_now(connection, copied)
            self.models, self.loaded_object_count = set(models), count
            self.reset_sequences(connection, _models_of(copied))
            return None
        if key is None or key in _LOADED:
            return DJANGO_LOADDATA(self, fixture_labels)
        if key in _WRITTEN:
            if not _all_empty(connection, _WRITTEN[key]):
                return DJANGO_LOADDATA(self, fixture_labels)
            result = DJANGO_LOADDATA(self, fixture_labels)
            copied = {table: _copy(connection, table) for table in _WRITTEN[key]}
            _LOADED[key] = (frozenset(self.models), copied, self.loaded_object_count)
            return result
        tables = set()

        def note_writes(execute, sql, params, many, context):
            if written := _WRITES.match(sql):
                tables.add(written.group(1))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(note_writes):
            result = DJANGO_LOADDATA(self, fixture_labels)
        _WRITTEN[key] = sorted(tables)
        return result

    LoaddataCommand.loaddata = loaddata_once
    yield
    LoaddataCommand.loaddata = DJANGO_LOADDATA


# ---- Made once per run, shared by the pytest-xdist workers


@contextlib.contextmanager
def once_per_run(tmp_path_factory, name):
    """This run's folder (shared by its workers), held under the lock `name` while the caller
    makes what is missing from it."""
    import fcntl

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield root


def run_with_production_settings(*args, static_root):
    """manage.py `args` in a child process with DEBUG unset (production, fail closed) and
    STATIC_ROOT at `static_root`: its output."""
    from tests.wkp.test_settings import PRODUCTION, run_manage

    env = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}
    env.update({"STATIC_ROOT": str(static_root), "ALLOWED_HOSTS": "testserver"})
    result = run_manage(*args, env_overrides=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The static files as production collects them (WhiteNoise's compressed manifest storage:
    about 20 s of compressing), collected once per run. Read them; never write there."""
    with once_per_run(tmp_path_factory, "collected-static") as root:
        static = root / "collected-static"
        if not static.exists():
            partial = root / "collected-static.partial"
            run_with_production_settings("collectstatic", "--noinput", static_root=partial)
            partial.rename(static)
    return static


# ---- A migrated SQLite database, made once per run
#
# Tests of the SQLite demo (`make run`) start from a freshly migrated SQLite file. Migrating
# takes 7–8 s of processor time, so one `manage.py migrate` per run makes a template (under
# a lock, shared by the pytest-xdist workers) and each test gets a copy of it.


def _copy_sqlite(source, target):
    """Copy a SQLite database through SQLite itself (a WAL file left beside it included)."""
    import sqlite3

    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()
    return target


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory):
    import subprocess
    import sys

    from django.conf import settings as django_settings

    with once_per_run(tmp_path_factory, "migrated-template") as root:
        template = root / "migrated-template.sqlite3"
        if not template.exists():
            work = root / "migrating" / "db.sqlite3"
            work.parent.mkdir(exist_ok=True)
            dropped = {
                "DJANGO_ALLOW_ASYNC_UNSAFE",
                "WKP_REQUIRE_POSTGRES",
                "DJANGO_SETTINGS_MODULE",
            }
            env = {key: value for key, value in os.environ.items() if key not in dropped}
            env |= {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{work}"}
            result = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput"],
                cwd=django_settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            _copy_sqlite(work, root / "migrated-template.partial").rename(template)
    return template


@pytest.fixture
def migrated_sqlite(migrated_sqlite_template):
    """A freshly migrated SQLite database at a path: migrated_sqlite(tmp_path / "demo.sqlite3")."""
    return lambda path: _copy_sqlite(migrated_sqlite_template, path)


# ---- The SQLite demo, loaded once per run
#
# `make run`'s data: `manage.py load_demo` on a copy of the migrated SQLite template, with its
# own media folder (the July 2006 pack is issued, so typeset, as it loads: about 11 s of
# processor time). Made once per run under a lock; each test copies it.


@dataclass(frozen=True)
class SqliteDemo:
    database: Path
    media: Path
    printed: str  # what load_demo printed: the logins and the authenticator keys

    def login(self, username):
        """The password and the authenticator key load_demo printed for `username` (each None
        when not printed)."""
        password = re.search(rf"^  {username} +(\S+)$", self.printed, re.M)
        key = re.search(rf"^  {username} +([A-Z2-7]+) +oathtool", self.printed, re.M)
        return password and password[1], key and key[1]


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory, migrated_sqlite_template):
    """The run's SQLite demo (read it; never write there): see `sqlite_demo`."""
    from tests.wkp.test_settings import run_manage

    with once_per_run(tmp_path_factory, "sqlite-demo") as root:
        folder = root / "sqlite-demo"
        if not folder.exists():
            work = root / "sqlite-demo.partial"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            database = _copy_sqlite(migrated_sqlite_template, work / "demo.sqlite3")
            env = {
                "DEBUG": "1",  # as `make run` sets it
                "DATABASE_URL": f"sqlite:///{database}",
                "MEDIA_ROOT": str(work / "media"),
            }
            result = run_manage("load_demo", env_overrides=env)
            assert result.returncode == 0, result.stdout + result.stderr
            (work / "load_demo.out").write_text(result.stdout)
            work.rename(folder)
    return folder


@pytest.fixture
def sqlite_demo(sqlite_demo_template):
    """A copy of the run's SQLite demo in a folder: sqlite_demo(tmp_path) -> SqliteDemo."""

    def copy(folder):
        folder.mkdir(parents=True, exist_ok=True)
        database = _copy_sqlite(sqlite_demo_template / "demo.sqlite3", folder / "demo.sqlite3")
        media = shutil.copytree(sqlite_demo_template / "media", folder / "media")
        return SqliteDemo(database, media, (sqlite_demo_template / "load_demo.out").read_text())

    return copy
