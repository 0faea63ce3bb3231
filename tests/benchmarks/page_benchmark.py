"""Page benchmark: the busy pages against the plain accessibility statement, in one run.

    tests/with_postgres.sh .venv/bin/python tests/benchmarks/page_benchmark.py
    tests/with_postgres.sh .venv/bin/python tests/benchmarks/page_benchmark.py --rounds 1

On the cluster of DATABASE_URL it creates a fresh database (dropped afterwards), loads the demo
data and a member login (as `load_test.py` does), starts gunicorn with the production settings
(DEBUG off, 2 workers by default) on a loopback port, signs in as the member and then, in
`--rounds` rounds, loads each page with `--connections` keep-alive connections for `--seconds`
seconds, one page after another (so drift in the machine's load touches every page alike).

It prints requests/s, p50 and p95 per page and each page's requests/s as a ratio of the plain
page's, and exits 1 if a page answered anything but 200, or (with --check) if a ratio is under
0.7 or a p95 is 200 ms or more. Plain HTTP on loopback stands in for HTTPS behind a proxy, as in
`locustfile.py` (X-Forwarded-Proto: https). Not collected by pytest.
"""

import argparse
import http.client
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_test import (  # noqa: E402 - the script's folder is not a package
    Processes,
    prepare,
    run_options,
    scratch_database,
    server_env,
    start_gunicorn,
)

PLAIN = ("accessibility statement", "/accessibility/")
PAGES = [
    ("meeting page", "/meetings/{meeting}/"),
    ("papers list", "/meetings/papers/"),
    ("fund statement", "/finance/statement/"),
    ("search", "/meetings/search/?q=community+safety"),
    ("districts comparison", "/subgroups/compare/"),
]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


class Connection:
    """One keep-alive connection carrying the signed-in member's cookies."""

    def __init__(self, port, cookies):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = cookies

    def request(self, method, path, body=None, headers=()):
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent = {**HEADERS, **dict(headers)}
        if cookie:
            sent["Cookie"] = cookie
        self.http.request(method, path, body=body, headers=sent)
        response = self.http.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content


def sign_in(port, username, password):
    """The member's cookies after signing in through the login form."""
    connection = Connection(port, {})
    status, _, form = connection.request("GET", "/accounts/login/")
    token = CSRF_FIELD.search(form.decode())
    if status != 200 or not token:
        raise SystemExit(f"The sign-in form did not load ({status}).")
    body = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    status, headers, _ = connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": "https://127.0.0.1/accounts/login/",
            "Origin": "https://127.0.0.1",
        },
    )
    if status != 302 or "login" in headers.get("Location", ""):
        raise SystemExit(f"Signing in failed ({status}, {headers.get('Location')}).")
    return connection.cookies


def load(port, cookies, path, *, connections, seconds):
    """`connections` threads, each on its own keep-alive connection, request `path` for
    `seconds`; returns (latencies in seconds, statuses other than 200, elapsed seconds)."""
    latencies, bad = [], []
    lock = threading.Lock()
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker():
        connection = Connection(port, dict(cookies))
        mine, wrong = [], []
        start.wait()
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            try:
                status, _, _ = connection.request("GET", path)
            except (OSError, http.client.HTTPException) as error:
                wrong.append(repr(error))
                connection = Connection(port, dict(cookies))
                continue
            mine.append(time.perf_counter() - began)
            if status != 200:
                wrong.append(status)
        with lock:
            latencies.extend(mine)
            bad.extend(wrong)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return latencies, bad, time.perf_counter() - began


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run(database_url, *, workers, connections, seconds, rounds, work=None):
    work = Path(work or tempfile.mkdtemp(prefix="wkp-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    username, password = "bench-member", secrets.token_urlsafe(12)
    with scratch_database(database_url) as (url, pg_version), Processes() as processes:
        env = server_env(url, work, {username: password}, log_level="WARNING")
        packs = prepare(env, work)
        meeting = packs[0]["meeting"]
        server, port = start_gunicorn(processes, env, work, workers)
        cookies = sign_in(port, username, password)

        pages = [PLAIN] + [(name, path.format(meeting=meeting)) for name, path in PAGES]
        figures = {name: {"latencies": [], "bad": [], "seconds": 0.0} for name, _ in pages}
        for _name, path in pages:  # warm-up: imports, template loading, connections
            load(port, cookies, path, connections=connections, seconds=1)
        for _ in range(rounds):
            for name, path in pages:
                latencies, bad, elapsed = load(
                    port, cookies, path, connections=connections, seconds=seconds
                )
                figures[name]["latencies"] += latencies
                figures[name]["bad"] += bad
                figures[name]["seconds"] += elapsed
    results = []
    for name, path in pages:
        entry = figures[name]
        results.append(
            {
                "page": name,
                "path": path,
                "requests": len(entry["latencies"]),
                "per_second": len(entry["latencies"]) / entry["seconds"],
                "p50_ms": percentile(entry["latencies"], 0.5) * 1000,
                "p95_ms": percentile(entry["latencies"], 0.95) * 1000,
                "bad": entry["bad"],
            }
        )
    plain = results[0]["per_second"]
    for result in results:
        result["ratio"] = result["per_second"] / plain if plain else 0.0
    return results, pg_version


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10, help="per page per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 below 0.7x or p95 >= 200 ms")
    parser.add_argument("--work", help="folder for logs (default: a new temporary one)")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        raise SystemExit("Set DATABASE_URL (run under tests/with_postgres.sh).")
    load_average = os.getloadavg()
    results, pg_version = run(database_url, **run_options(args, "check"))
    print(
        f"# WKP page benchmark ({time.strftime('%Y-%m-%d %H:%M')}): gunicorn {args.workers} "
        f"workers, production settings, PostgreSQL {pg_version}, {args.connections} keep-alive "
        f"connections, a member's session, {args.rounds} x {args.seconds:g} s a page, "
        f"{os.cpu_count()} cores, load average before {load_average[0]:.1f}"
    )
    print(f"{'page':<24} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>6}")
    failed = []
    for result in results:
        print(
            f"{result['page']:<24} {result['per_second']:>7.1f} {result['p50_ms']:>7.0f} "
            f"{result['p95_ms']:>7.0f} {result['ratio']:>6.2f}"
        )
        if result["bad"]:
            failed.append(f"{result['page']}: {len(result['bad'])} bad answers {result['bad'][:3]}")
        if args.check and result["page"] != PLAIN[0]:
            if result["ratio"] < 0.7:
                failed.append(f"{result['page']}: ratio {result['ratio']:.2f} < 0.7")
            if result["p95_ms"] >= 200:
                failed.append(f"{result['page']}: p95 {result['p95_ms']:.0f} ms >= 200 ms")
    for problem in failed:
        print(f"FAILED: {problem}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
