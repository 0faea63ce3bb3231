"""The independent validators the suite runs, and where it finds them.

The Nu HTML checker (vnu.jar, the W3C's validator) comes from npm (`vnu-jar`, the version the
Makefile names), installed by `make test` into .venv/vnu (or named by WKP_VNU_JAR), and runs on
Java (Debian's default-jre-headless in CI). Without them its test skips locally, and fails in CI
(.ci/run sets WKP_REQUIRE_VALIDATORS=1).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings


def vnu_command():
    """The command that runs vnu.jar, or skip (fail in CI) saying what is missing."""
    candidates = [
        os.environ.get("WKP_VNU_JAR", ""),
        str(settings.BASE_DIR / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"),
    ]
    jar = next((c for c in candidates if c and Path(c).is_file()), None)
    java = shutil.which("java")
    if jar and java:
        # One short run: the quick compiler only and one garbage-collector thread halve its
        # processor time (21 s → 10 s for 190 pages, measured) beside the other test worker.
        return [java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar]
    missing = "Java" if jar else "vnu.jar (make test installs it with npm, or set WKP_VNU_JAR)"
    if os.environ.get("WKP_REQUIRE_VALIDATORS") == "1":
        pytest.fail(f"the Nu HTML checker cannot run: no {missing}")
    pytest.skip(f"the Nu HTML checker cannot run here: no {missing}")


def nu_check(pages, folder):
    """Check every page in one run of the Nu HTML checker (one JVM start for the lot).

    `pages` maps a name (a URL) to its HTML. Returns {name: [message, …]} for every error and
    warning (the checker's "info" messages of subtype "warning"), and the checker's version."""
    command = vnu_command()
    names, files = {}, []
    for index, (name, html) in enumerate(pages.items()):
        path = Path(folder) / f"page-{index:04d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
        files.append(str(path))
    version = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    result = subprocess.run(
        [*command, "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if not result.stdout.startswith("{"):
        pytest.fail(f"the Nu HTML checker did not run: {result.stderr[:2000]}")
    messages = json.loads(result.stdout)["messages"]
    found = {}
    for message in messages:
        serious = message["type"] in ("error", "non-document-error") or (
            message["type"] == "info" and message.get("subType") == "warning"
        )
        if not serious:
            continue
        url = message.get("url", "?")
        name = names.get(url.rsplit("/", 1)[-1], url)
        kind = message.get("subType", message["type"])
        found.setdefault(name, []).append(
            f"{kind} line {message.get('lastLine', '?')}: {message['message']}"
            f" [{message.get('extract', '').strip()[:80]}]"
        )
    return found, version
