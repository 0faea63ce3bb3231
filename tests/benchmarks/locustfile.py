"""Locust scenario: members browse the intranet and download the meeting pack and single papers.

Run by `tests/benchmarks/load_test.py` (which sets everything up on loopback); by hand:

    WKP_LOAD_ACCOUNTS=member:secret .venv/bin/locust -f tests/benchmarks/locustfile.py \\
        --headless -u 50 -r 10 -t 5m --host http://127.0.0.1:8000

Environment:
- WKP_LOAD_ACCOUNTS: member logins, "name:password,name:password"; users take them in turn.
  Members only: co-ordinators and administrators are to get two-factor sign-in.
- WKP_LOAD_MEETING: the id of the meeting whose pack is downloaded (default: the first meeting on
  the meetings page whose page links a pack).
- WKP_LOAD_SUMMARY: where to write a JSON summary (exact percentiles per kind of request).

The app runs with its production settings, which make cookies `Secure` and `__Host-`. On
loopback the load generator talks plain HTTP to gunicorn, so it plays the part of the
TLS-terminating proxy in front of gunicorn in production: every request carries
`X-Forwarded-Proto: https` (which the settings trust, SECURE_PROXY_SSL_HEADER), and the cookie
client sends the secure cookies over the loopback connection, as the browser does over HTTPS.

Requests are named by kind: "page: …" (HTML pages), "pack download", "paper download" and
"sign-in", so the statistics group pages apart from downloads.
"""

import itertools
import json
import math
import os
import random
import re
import time
from collections import defaultdict

from locust import HttpUser, between, events, task

MEETING_LINK = re.compile(r'href="/meetings/(\d+)/"')
PACK_LINK = re.compile(r'href="(/meetings/\d+/pack\.pdf)"')
PAPER_LINK = re.compile(r'href="/meetings/papers/(\d+)/"')
PAPER_PDF_LINK = re.compile(r'href="(/meetings/papers/\d+/pdf/)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCHES = ["community safety", "budget", "transport", "housing", "crime", "skills", "health"]

ACCOUNTS = [
    tuple(pair.split(":", 1))
    for pair in os.environ.get("WKP_LOAD_ACCOUNTS", "").split(",")
    if ":" in pair
]
_next_account = itertools.count()


class Member(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        if not ACCOUNTS:
            raise RuntimeError("Set WKP_LOAD_ACCOUNTS to member logins (name:password,...).")
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.meetings, self.papers, self.paper_pdfs = [], [], set()
        self.home = self.pack_url = None
        self.sign_in(ACCOUNTS[next(_next_account) % len(ACCOUNTS)])
        listing = self.page("/meetings/", "meeting list")
        self.meetings = sorted({int(pk) for pk in MEETING_LINK.findall(listing)})
        chosen = os.environ.get("WKP_LOAD_MEETING")
        for pk in [int(chosen)] if chosen else self.meetings:
            self.agenda(pk)
            if self.pack_url:
                break
        # Each member downloads the pack once as they arrive, so that every run has downloads
        # however few tasks a slow machine gets through (the short load test counts on it).
        if self.pack_url:
            self.download(self.pack_url, "pack download")

    def sign_in(self, account):
        username, password = account
        form = self.page("/accounts/login/", "sign-in form", name="sign-in")
        token = CSRF_FIELD.search(form)
        origin = self.host.replace("http://", "https://", 1)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
            allow_redirects=False,
            name="sign-in",
            catch_response=True,
        ) as response:
            if response.status_code != 302 or response.headers.get("Location") != "/":
                response.failure(f"sign-in as {username} gave {response.status_code}")
        self.keep_cookies()

    def page(self, path, label, name=None):
        """GET an HTML page; anything but a 200 HTML page (a redirect to sign in) fails."""
        with self.client.get(
            path, name=name or f"page: {label}", allow_redirects=False, catch_response=True
        ) as response:
            content_type = response.headers.get("Content-Type", "")
            if response.status_code != 200:
                response.failure(f"{label}: status {response.status_code}")
            elif not content_type.startswith("text/html"):
                response.failure(f"{label}: content type {content_type!r}")
        self.keep_cookies()
        return response.text if response.status_code == 200 else ""

    def download(self, path, name):
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            content_type = response.headers.get("Content-Type", "")
            if response.status_code != 200:
                response.failure(f"{path}: status {response.status_code}")
            elif content_type != "application/pdf":
                response.failure(f"{path}: content type {content_type!r}")
            elif not response.content.startswith(b"%PDF"):
                response.failure(f"{path}: body is not a PDF")
        self.keep_cookies()

    def keep_cookies(self):
        """The app's cookies are `Secure` (HTTPS in production); requests would not send them
        over the loopback HTTP that stands in for HTTPS here, so the flag is dropped client-side."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def agenda(self, pk):
        html = self.page(f"/meetings/{pk}/", "agenda")
        pack = PACK_LINK.search(html)
        if pack:
            self.home, self.pack_url = pk, pack.group(1)
            self.papers = sorted({int(paper) for paper in PAPER_LINK.findall(html)})

    @task(2)
    def dashboard(self):
        self.page("/", "dashboard")

    @task(2)
    def meeting_list(self):
        self.page("/meetings/", "meeting list")

    @task(3)
    def meeting_agenda(self):
        """Mostly the meeting with the pack, sometimes another one."""
        others = self.meetings if random.random() < 0.3 else []
        pk = random.choice(others) if others else self.home
        if pk:
            self.agenda(pk)

    @task(1)
    def paper_list(self):
        self.page("/meetings/papers/", "paper list")

    @task(3)
    def paper(self):
        if self.papers:
            html = self.page(f"/meetings/papers/{random.choice(self.papers)}/", "paper")
            self.paper_pdfs.update(PAPER_PDF_LINK.findall(html))

    @task(2)
    def search(self):
        self.page(f"/meetings/search/?q={random.choice(SEARCHES)}", "search")

    @task(2)
    def pack_download(self):
        if self.pack_url:
            self.download(self.pack_url, "pack download")

    @task(2)
    def paper_download(self):
        if self.paper_pdfs:
            self.download(random.choice(sorted(self.paper_pdfs)), "paper download")


# ---- Summary with exact percentiles, per kind of request ----------------------------------------

_timings = defaultdict(list)
_failures = defaultdict(int)
_errors = []
_span = [math.inf, 0.0]


def kind_of(name):
    return "page" if name.startswith("page") else name


@events.request.add_listener
def _record(request_type, name, response_time, exception=None, **kwargs):
    kind = kind_of(name)
    _timings[kind].append(response_time)
    now = time.time()
    _span[0] = min(_span[0], now - response_time / 1000)
    _span[1] = max(_span[1], now)
    if exception is not None:
        _failures[kind] += 1
        if len(_errors) < 20:
            _errors.append(f"{name}: {exception}")


def percentile(values, fraction):
    """Nearest-rank percentile of the response times (ms)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else None


def summary():
    kinds = {
        kind: {
            "requests": len(times),
            "failures": _failures[kind],
            "p50_ms": percentile(times, 0.50),
            "p95_ms": percentile(times, 0.95),
            "max_ms": max(times),
        }
        for kind, times in sorted(_timings.items())
    }
    total = sum(len(times) for times in _timings.values())
    seconds = _span[1] - _span[0] if total else 0
    return {
        "requests": total,
        "failures": sum(_failures.values()),
        "seconds": round(seconds, 1),
        "requests_per_second": round(total / seconds, 1) if seconds else 0,
        "kinds": kinds,
        "errors": _errors,
    }


@events.quitting.add_listener
def _write_summary(environment, **kwargs):
    path = os.environ.get("WKP_LOAD_SUMMARY")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(summary(), handle, indent=2)
