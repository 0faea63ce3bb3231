"""Load test: members browse and download the meeting pack (gunicorn, PostgreSQL, loopback).

    tests/with_postgres.sh .venv/bin/python tests/benchmarks/load_test.py   # 50 users, 5 minutes
    tests/with_postgres.sh .venv/bin/python tests/benchmarks/load_test.py --users 10 --duration 30

On the cluster of DATABASE_URL it creates a fresh database (dropped afterwards), migrates it,
collects the static files, loads the demo data (which issues and builds version 1 of the 14 July
2006 pack and its papers' PDFs, as the worker would) and creates member logins. It then starts
gunicorn with the production settings (DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1)
on a free loopback port and runs `locustfile.py` headless against it (see there for how plain
HTTP on loopback stands in for HTTPS behind a proxy).

It prints the requests, failures, p50/p95 of pages and of pack and paper downloads, requests per
second, how many times each pack version was typeset (every build logs "Pack built: …") and how
many WeasyPrint renders the web workers ran during the run (every render logs "PDF rendered: …").
Exits 1 if a request failed, a pack version was typeset more than once, or a download typeset
anything. `tests/reliability/test_load_short.py` runs a short version in CI. Not collected by
pytest.
"""

import argparse
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PACK_BUILT = re.compile(r"Pack built: meeting (\d+), version (\w+)")
PDF_RENDERED = re.compile(r"PDF rendered: (.*)")

# Run in `manage.py shell` (one process, to save start-up time): the demo data without its
# logins, member logins for the load, then the issued packs as JSON.
LOAD_DATA = """
import json, os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from meetings.models import PackVersion
from wkp.roles import MEMBER
call_command("load_demo", no_users=True)
group = Group.objects.get(name=MEMBER)
for pair in os.environ["WKP_LOAD_ACCOUNTS"].split(","):
    name, password = pair.split(":", 1)
    user = get_user_model().objects.create_user(name, f"{name}@example.org", password)
    user.groups.add(group)
print(json.dumps([
    {"meeting": v.meeting_id, "date": str(v.meeting.date), "number": v.number,
     "pages": v.page_count, "bytes": v.size, "stored": v.file.storage.exists(v.file.name)}
    for v in PackVersion.objects.select_related("meeting").order_by("meeting__date", "number")
]))
"""


@contextlib.contextmanager
def scratch_database(database_url, template=None):
    """A new database on the same PostgreSQL cluster, empty or a copy of `template` (a migrated
    database no one is connected to); dropped afterwards."""
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("The load test needs PostgreSQL: run it under tests/with_postgres.sh.")
    name = f"wkp_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            copy = f' TEMPLATE "{template}"' if template else ""
            cursor.execute(f'CREATE DATABASE "{name}"{copy}')
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        yield urlunsplit(parts._replace(path=f"/{name}")), version
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Processes:
    """Child processes, each in its own process group, all stopped on exit (even on failure)."""

    def __init__(self):
        self.children = []

    def start(self, command, log, **kwargs):
        with open(log, "ab") as output:
            child = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
            )
        self.children.append(child)
        return child

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for child in self.children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def server_env(database_url, work, logins, *, log_level, static_root=None):
    """The environment of the benchmarks' manage.py commands and gunicorn: the production
    settings (DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1) on `database_url`, media
    and static files under `work` (or the static files already collected in `static_root`), mail
    kept in memory, and `logins` ({name: password}) for LOAD_DATA to create as members."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wkp.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(static_root or work / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": log_level,
        "WKP_LOAD_ACCOUNTS": ",".join(f"{name}:{pw}" for name, pw in logins.items()),
    }


def manage(env, log, *args, stdout=None):
    """Run a manage.py command; its log records (stderr) go to `log`."""
    with open(log, "ab") as output:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=stdout or output,
            stderr=output,
            check=True,
        )


def prepare(env, work):
    """Migrate and collect static files (side by side; unless they are collected already), load
    the demo data, add the members.

    Loading the demo data issues (builds) the packs of its published meetings, as the worker
    would after publishing; returns them."""
    collected = Path(env["STATIC_ROOT"], "staticfiles.json").exists()
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(manage, env, work / "migrate.log", "migrate", "--noinput")]
        if not collected:
            jobs.append(pool.submit(manage, env, work / "static.log", "collectstatic", "--noinput"))
        for job in jobs:
            job.result()
    loaded = manage(env, work / "setup.log", "shell", "-c", LOAD_DATA, stdout=subprocess.PIPE)
    packs = json.loads(loaded.stdout.decode().strip().splitlines()[-1])
    if not packs or not all(pack["stored"] for pack in packs):
        raise SystemExit(f"The demo pack was not issued and stored: {packs}")
    return packs


def loopback_socket():
    """A loopback address picked by the system (port 0), handed to gunicorn as a descriptor."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


def wait_until_serving(url, server, timeout=60):
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout} s")


def start_gunicorn(processes, env, work, workers):
    """gunicorn on a free loopback port, serving once its sign-in page answers: (process, port)."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    server = processes.start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "wkp.wsgi:application",
            "--bind",
            f"fd://{sock.fileno()}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        work / "gunicorn.log",
        cwd=ROOT,
        env=env,
        pass_fds=(sock.fileno(),),
    )
    sock.close()
    wait_until_serving(f"http://127.0.0.1:{port}/accounts/login/", server)
    return server, port


def cpu_seconds(belongs):
    """User + system CPU seconds of the live processes for which `belongs(pgrp, cmdline)` holds.

    CPU time is what the other work on this shared machine disturbs least (see the README)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (
                (folder / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except OSError:
            continue
        if belongs(int(fields[2]), cmdline):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def server_cpu(server, database):
    """CPU seconds so far of gunicorn (its process group) and of the PostgreSQL backends serving
    the load database."""
    return (
        cpu_seconds(lambda pgrp, cmdline: pgrp == server.pid),
        cpu_seconds(lambda pgrp, cmdline: cmdline.startswith("postgres:") and database in cmdline),
    )


def count_typesetting(setup_log, server_log):
    """Pack builds per version during setup and during the run, and the web workers' renders."""

    def builds(log):
        lines = log.read_text(errors="replace").splitlines()
        return Counter(
            f"meeting {match[1]} v{match[2]}"
            for line in lines
            if (match := PACK_BUILT.search(line))
        )

    web_renders = Counter(
        match[1]
        for line in server_log.read_text(errors="replace").splitlines()
        if (match := PDF_RENDERED.search(line))
    )
    return builds(setup_log), builds(server_log), web_renders


def run(
    database_url,
    *,
    users,
    duration,
    spawn_rate,
    workers,
    accounts=5,
    work=None,
    template=None,
    static_root=None,
):
    """Set up, serve, load; return the figures (a dict). Every child process is stopped after.
    A `template` database (see `scratch_database`) saves migrating from nothing, and a
    `static_root` already collected (production settings) saves collecting again."""
    work = Path(work or tempfile.mkdtemp(prefix="wkp-load-"))
    work.mkdir(parents=True, exist_ok=True)
    logins = {f"load-member-{n}": secrets.token_urlsafe(12) for n in range(1, accounts + 1)}
    with scratch_database(database_url, template) as (url, pg_version), Processes() as processes:
        env = server_env(url, work, logins, log_level="INFO", static_root=static_root)
        started = time.monotonic()
        packs = prepare(env, work)
        setup_seconds = time.monotonic() - started

        server, port = start_gunicorn(processes, env, work, workers)
        host = f"http://127.0.0.1:{port}"

        summary_path = work / "summary.json"
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_cpu = children.ru_utime + children.ru_stime
        locust = processes.start(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(spawn_rate),
                "--run-time",
                f"{duration}s",
                "--stop-timeout",
                "10",
                "--host",
                host,
                "--csv",
                str(work / "locust"),
                "--only-summary",
            ],
            work / "locust.log",
            cwd=ROOT,
            env={**env, "WKP_LOAD_SUMMARY": str(summary_path)},
        )
        database = urlsplit(url).path.lstrip("/")
        before = server_cpu(server, database)
        try:
            locust.wait(timeout=duration + 120)
        except subprocess.TimeoutExpired as error:
            raise SystemExit("locust did not finish in time") from error
        after = server_cpu(server, database)
        locust_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = locust_cpu.ru_utime + locust_cpu.ru_stime - children_cpu
        if not summary_path.exists():
            raise SystemExit(f"locust wrote no summary (status {locust.returncode}); see {work}")
        result = json.loads(summary_path.read_text())

    setup_builds, run_builds, web_renders = count_typesetting(
        work / "setup.log", work / "gunicorn.log"
    )
    result.update(
        users=users,
        duration=duration,
        workers=workers,
        postgresql=pg_version,
        setup_seconds=round(setup_seconds, 1),
        cpu_seconds={
            "gunicorn": round(after[0] - before[0], 1),
            "postgresql": round(after[1] - before[1], 1),
            "locust": round(locust_cpu, 1),
        },
        packs=packs,
        pack_builds=dict(setup_builds + run_builds),
        pack_builds_during_run=dict(run_builds),
        web_renders=dict(web_renders),
        work=str(work),
    )
    result["problems"] = problems(result)
    return result


def problems(result):
    """What makes the run fail: failed requests, a pack typeset twice, a download that typeset."""
    found = []
    if result["failures"]:
        found.append(f"{result['failures']} requests failed: {result['errors'][:5]}")
    if not result["kinds"].get("pack download", {}).get("requests"):
        found.append("no pack was downloaded")
    for pack in result["packs"]:
        key = f"meeting {pack['meeting']} v{pack['number']}"
        if result["pack_builds"].get(key, 0) > 1:
            found.append(f"{key} was typeset {result['pack_builds'][key]} times")
    if result["web_renders"]:
        found.append(f"web requests ran WeasyPrint: {result['web_renders']}")
    return found


def report(result):
    lines = [
        f"Load test: {result['users']} members for {result['duration']} s against gunicorn "
        f"({result['workers']} workers, production settings) and PostgreSQL "
        f"{result['postgresql']} on loopback, {os.cpu_count()} cores; "
        f"setup {result['setup_seconds']} s",
        f"requests: {result['requests']} ({result['requests_per_second']}/s over "
        f"{result['seconds']} s), failures: {result['failures']}",
    ]
    cpu = result["cpu_seconds"]
    per_request = (cpu["gunicorn"] + cpu["postgresql"]) / max(result["requests"], 1) * 1000
    lines.append(
        f"CPU during the run: gunicorn {cpu['gunicorn']} s, PostgreSQL {cpu['postgresql']} s "
        f"({per_request:.0f} ms of server CPU a request), locust {cpu['locust']} s"
    )
    for kind, figures in result["kinds"].items():
        lines.append(
            f"  {kind:<15} {figures['requests']:>7} requests, {figures['failures']} failed, "
            f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
            f"max {figures['max_ms']:.0f} ms"
        )
    for pack in result["packs"]:
        key = f"meeting {pack['meeting']} v{pack['number']}"
        lines.append(
            f"pack of {pack['date']} v{pack['number']} ({pack['pages']} pages, "
            f"{pack['bytes']:,} bytes): typeset {result['pack_builds'].get(key, 0)} time(s), "
            f"{result['pack_builds_during_run'].get(key, 0)} of them during the run"
        )
    lines.append(
        f"WeasyPrint renders in web requests during the run: {sum(result['web_renders'].values())}"
    )
    for problem in result["problems"]:
        lines.append(f"FAILED: {problem}")
    return "\n".join(lines)


def run_options(args, *own):
    """The command line's options as keyword arguments of run() (they have its parameters'
    names), but for the script's `own` (such as printing JSON)."""
    return {name: value for name, value in vars(args).items() if name not in own}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--work", help="folder for logs and CSV (default: a new temporary one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        parser.exit(2, "Set DATABASE_URL, or run under tests/with_postgres.sh.\n")
    # A SIGTERM (CI cancelling) unwinds like Ctrl-C, so the child processes are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = run(database_url, **run_options(args, "json"))
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))
    if result["problems"] or args.work:
        print(f"Logs and locust's CSV: {result['work']}")
    else:
        shutil.rmtree(result["work"], ignore_errors=True)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
