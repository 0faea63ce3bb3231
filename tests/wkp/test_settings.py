import contextlib
import logging
import sqlite3
import sys

import pytest

from tests.conftest import SqliteDemo
from tests.processes import run_in_project


def run_manage(*args, env_overrides=None, timeout=300):
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    return run_in_project(
        [sys.executable, "manage.py", *args], without=dropped, env=env_overrides, timeout=timeout
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-check-only-0123456789abcdef",
    "ALLOWED_HOSTS": "wkp.example.org",
}


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    env.pop("SECRET_KEY")
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_cookie_names_are_host_prefixed():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SESSION_COOKIE_NAME, "
        "settings.CSRF_COOKIE_NAME, settings.PASSWORD_HASHERS[0])",
        env_overrides=PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "__Host-sessionid __Host-csrftoken django.contrib.auth.hashers.Argon2PasswordHasher" in (
        result.stdout
    )


@pytest.mark.django_db
def test_no_missing_migrations():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_debug_is_off_unless_set():
    """Fail closed: with DEBUG unset the app runs as production, and so will not start without
    a SECRET_KEY; `make run` and the tests set DEBUG=1."""
    show = ("shell", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)")
    unset = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}
    result = run_manage(*show, env_overrides=unset)
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    unset.pop("SECRET_KEY")
    result = run_manage("check", env_overrides=unset)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    result = run_manage(*show, env_overrides={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout


def test_make_run_sets_debug_for_the_demo():
    # Every command of `make run`, with the Python replaced by one that prints DEBUG (and no
    # venv built): each must see DEBUG=1 when it is not set, and an explicit value otherwise.
    probe = 'PY=sh -c "echo DEBUG=$$DEBUG" --'
    for given, expected in ((None, "1"), ("0", "0")):
        result = run_in_project(
            ["make", "-s", "-o", "venv", "run", probe],
            without={"DEBUG", "MAKEFLAGS", "MAKELEVEL"},
            env=None if given is None else {"DEBUG": given},
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        seen = [line for line in result.stdout.splitlines() if line.startswith("DEBUG=")]
        # migrate, load_demo, process_uploads and runserver; the worker, started in the
        # background and stopped when runserver returns, may or may not have printed by then.
        assert set(seen) == {f"DEBUG={expected}"}
        assert len(seen) in (4, 5)


def test_demo_loads_on_sqlite(sqlite_demo_template):
    """`manage.py load_demo` on a newly migrated SQLite file, as `make run` runs it (done once a
    run in tests/conftest.py, `sqlite_demo_template`, which asserts it succeeded; the SQLite
    demo is then driven in tests/reliability/test_sqlite_demo.py)."""
    printed = (sqlite_demo_template / "load_demo.out").read_text()
    with contextlib.closing(sqlite3.connect(sqlite_demo_template / "demo.sqlite3")) as db:
        users = db.execute("SELECT username FROM auth_user ORDER BY username").fetchall()
        issued = db.execute(
            "SELECT COUNT(*) FROM meetings_packversion AS v "
            "JOIN meetings_meeting AS m ON m.id = v.meeting_id WHERE m.date = '2006-07-14'"
        ).fetchone()[0]
    assert users == [("admin",), ("coordinator",), ("member",)]
    assert issued == 1
    folder = sqlite_demo_template
    demo = SqliteDemo(folder / "demo.sqlite3", folder / "media", printed)
    logins = {username: demo.login(username) for username in ("admin", "coordinator", "member")}
    assert all(password for password, _key in logins.values()), printed
    # The administrator and the co-ordinator sign in in two steps; members with a password.
    assert [bool(key) for _password, key in logins.values()] == [True, True, False]
    assert any((sqlite_demo_template / "media").rglob("*.pdf"))


@pytest.mark.django_db
def test_an_expected_refusal_is_logged_in_one_line(client, member):
    """Through the configured LOGGING (its filter sits on the django.request logger)."""
    records = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.force_login(member)
        response = client.get("/meetings/new/")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 403
    (record,) = records
    assert record.exc_info is None
    line = logging.Formatter().format(record)
    assert line == f"Forbidden (Permission denied): /meetings/new/ (user {member.pk})"


def test_make_run_serves_and_links_e_mails_on_the_given_host(tmp_path):
    """`make run HOST=…`: every process it starts (the worker sends the e-mails) has SITE_URL."""
    log = tmp_path / "calls.log"
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()  # newer than pyproject.toml: no install
    fake = venv / "bin" / "python"
    # Stands in for Python: records its environment and arguments; the "server" waits until the
    # background worker has started, so that the worker's line is always there.
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$SITE_URL|$ALLOWED_HOSTS|$*" >> {log}\n'
        'if [ "$2" = runserver ]; then\n'
        f"  for i in $(seq 100); do grep -q run_worker {log} && exit 0; sleep 0.1; done\n"
        "fi\n"
    )
    fake.chmod(0o755)
    result = run_in_project(
        ["make", "--no-print-directory", "run", "HOST=192.0.2.7:8123", f"VENV={venv}"],
        without={"SITE_URL", "ALLOWED_HOSTS"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    calls = sorted(log.read_text().splitlines())
    site, hosts = "http://192.0.2.7:8123", "127.0.0.1,localhost,192.0.2.7"
    assert calls == [
        f"{site}|{hosts}|manage.py load_demo",
        f"{site}|{hosts}|manage.py migrate --noinput",
        f"{site}|{hosts}|manage.py process_uploads",
        f"{site}|{hosts}|manage.py run_worker",
        f"{site}|{hosts}|manage.py runserver 192.0.2.7:8123",
    ]
    assert "e-mails link to http://192.0.2.7:8123" in result.stdout


def test_env_bool_reads_the_known_words_and_refuses_a_typo(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from wkp.settings import env_bool

    read = {}
    for value in ["1", "TRUE", " yes ", "on", "0", "False", "no", "OFF", ""]:
        monkeypatch.setenv("WKP_TEST_FLAG", value)
        read[value] = env_bool("WKP_TEST_FLAG", None)
    monkeypatch.setenv("WKP_TEST_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("WKP_TEST_FLAG", False)

    assert read == {
        "1": True, "TRUE": True, " yes ": True, "on": True,
        "0": False, "False": False, "no": False, "OFF": False, "": None,
    }  # fmt: skip
    assert str(refused.value) == (
        "WKP_TEST_FLAG='ture' is neither on nor off: use one of 1, on, true, yes (on) "
        "or 0, false, no, off (off)."
    )


def test_production_refuses_to_start_with_a_debug_typo():
    result = run_manage("check", env_overrides={**PRODUCTION, "DEBUG": "flase"})

    assert result.returncode != 0
    assert "DEBUG='flase' is neither on nor off" in result.stderr
