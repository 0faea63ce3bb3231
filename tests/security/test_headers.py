"""Security headers: what every response must carry, and HSTS/host checks in production.

`security_header_problems` is applied to every response of the permission-matrix crawl
(tests/security/test_permission_matrix.py): every URL pattern, every role, on the demo data.
"""

import json
import sys

import pytest

from tests.processes import run_in_project

SIGNED_IN = {"member", "coordinator", "admin"}
REQUIRED_DIRECTIVES = {
    "default-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def parse_csp(header):
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = set(words[1:])
    return directives


def security_header_problems(response, role):
    """Every way `response` falls short of the header policy (an empty list if none)."""
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    directives = parse_csp(csp)
    for name, sources in REQUIRED_DIRECTIVES.items():
        if directives.get(name) != sources:
            problems.append(f"CSP {name} is {directives.get(name)}")
    script = directives.get("script-src", directives.get("default-src", set()))
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        if unsafe in script:
            problems.append(f"CSP script-src allows {unsafe}")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if response.headers.get("Referrer-Policy") not in {"same-origin", "no-referrer"}:
        problems.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')}")
    if role in SIGNED_IN and response.status_code not in (204, 304):  # nothing to store
        cache = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
        if not {"private", "no-store"} <= cache:
            problems.append(f"Cache-Control is {response.headers.get('Cache-Control')!r}")
    return problems


@pytest.mark.django_db
def test_the_sign_in_page_carries_every_header(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert security_header_problems(response, "anonymous") == []


@pytest.mark.django_db
def test_a_download_for_a_signed_in_user_is_never_cached(member_client):
    response = member_client.get("/finance/statement/csv/")
    assert response.status_code == 200
    assert security_header_problems(response, "member") == []
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
def test_a_forged_host_is_refused(client):
    assert client.get("/accounts/login/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/", HTTP_HOST="wkp.example.org.evil.example").status_code == 400


PRODUCTION_PROBE = """
import json
from django.test import Client
client = Client()
secure = client.get("/", secure=True, HTTP_HOST="wkp.example.org")
plain = client.get("/", HTTP_HOST="wkp.example.org")
forged = client.get("/", secure=True, HTTP_HOST="evil.example")
proxied = client.get("/", HTTP_HOST="wkp.example.org", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "secure": [secure.status_code, dict(secure.headers)],
    "plain": [plain.status_code, dict(plain.headers)],
    "forged": [forged.status_code, dict(forged.headers)],
    "proxied": [proxied.status_code, dict(proxied.headers)],
}))
"""


def test_production_sends_hsts_over_https_redirects_http_and_refuses_forged_hosts(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-for-the-header-probe-0123456789",
        "ALLOWED_HOSTS": "wkp.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "LOG_LEVEL": "CRITICAL",
    }
    result = run_in_project(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        without={"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"},
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    status, headers = probe["secure"]
    assert status == 302  # on to the sign-in page
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert parse_csp(headers["Content-Security-Policy"])["frame-ancestors"] == {"'none'"}
    status, headers = probe["plain"]
    assert status == 301
    assert headers["Location"] == "https://wkp.example.org/"
    assert "Strict-Transport-Security" not in headers
    assert probe["forged"][0] == 400
    status, headers = probe["proxied"]  # TLS ended at the proxy, which says so
    assert status == 302
    assert "Strict-Transport-Security" in headers
