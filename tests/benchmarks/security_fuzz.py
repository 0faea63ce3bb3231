"""Long fuzz runs behind SECURITY.md's figures (CI runs short versions of each).

    .venv/bin/python tests/benchmarks/security_fuzz.py [--pdfs 2000] [--docx 1000] [--views 300]
                                                       [--sanitiser 5000]

1. Seeded random mutations of a valid PDF and a valid .docx through meetings.uploads.check_upload:
   every outcome must be "accepted" or a ValidationError; time per file recorded.
2. Mutated PDFs through the real paper upload view (Django test client, throwaway SQLite
   database): every response 200 (refused with a message) or 302 (accepted), never 500.
3. Packs built from ten papers, one of them an accepted mutant each time: never a failed pack.
4. The hypothesis properties of wkp.sanitise.clean_html with --sanitiser examples each.

Not collected by pytest.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time

from standalone import ROOT, set_up_django  # noqa: E402

WORK = set_up_django(prefix="wkp-fuzz-", database="fuzz.sqlite3", settings_module="tests.settings")

import random  # noqa: E402

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from meetings.uploads import check_upload  # noqa: E402
from tests.security.badfiles import docx, mutate, mutated_pdfs  # noqa: E402


def check_all(label, samples, name):
    outcomes = {"accepted": 0, "refused": 0}
    crashes, times = [], []
    for index, data in samples:
        started = time.perf_counter()
        try:
            check_upload(SimpleUploadedFile(name, data))
            outcomes["accepted"] += 1
        except ValidationError:
            outcomes["refused"] += 1
        except Exception as error:  # noqa: BLE001 - counting is the point
            crashes.append((index, type(error).__name__, str(error)[:80]))
        times.append(time.perf_counter() - started)
    print(
        f"{label}: {len(times)} files, accepted {outcomes['accepted']}, refused "
        f"{outcomes['refused']}, uncaught exceptions {len(crashes)}; per file median "
        f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
    )
    for crash in crashes[:10]:
        print("   crash", crash)
    return crashes


def views(count):
    from meetings.models import Meeting
    from tests.conftest import sign_in_fully
    from tests.security.world import make_user
    from wkp.roles import COORDINATOR

    call_command("migrate", verbosity=0)
    coordinator = make_user("fuzz-coordinator", COORDINATOR)
    client = Client(raise_request_exception=False)
    sign_in_fully(client, coordinator)
    from subgroups.models import Body

    body = Body.objects.create(name="West Kent Partnership", kind="board")
    meeting = Meeting.objects.create(body=body, date=datetime.date(2006, 7, 14))
    statuses, times = {}, []
    for index, data in mutated_pdfs(7, count):
        started = time.perf_counter()
        response = client.post(
            f"/meetings/{meeting.pk}/papers/new/",
            {"title": f"Mutant {index}", "status": "available",
             "upload": SimpleUploadedFile("mutant.pdf", data)},
        )  # fmt: skip
        times.append(time.perf_counter() - started)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    print(
        f"upload view: {count} mutated PDFs, statuses {dict(sorted(statuses.items()))}; "
        f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
    )
    return meeting


def packs(meeting, rounds):
    from meetings.models import AgendaItem, Paper
    from meetings.pack import build_pack, gather_pack
    from tests.security.world import tiny_pdf

    accepted = []
    for _, data in mutated_pdfs(11, 3000):
        try:
            check_upload(SimpleUploadedFile("m.pdf", data))
        except ValidationError:
            continue
        accepted.append(data)
        if len(accepted) == rounds:
            break
    failures, times = 0, []
    for round_number, mutant in enumerate(accepted):
        Paper.objects.filter(meeting=meeting).delete()
        AgendaItem.objects.filter(meeting=meeting).delete()
        item = AgendaItem.objects.create(meeting=meeting, title="Papers", position=0)
        for index, letter in enumerate("ABCDEFGHIJ"):
            paper = Paper.objects.create(meeting=meeting, letter=letter, title=f"Paper {letter}")
            content = mutant if index == round_number % 10 else tiny_pdf(f"Good {letter}")
            paper.file_kind = "pdf"
            paper.file.save("paper.pdf", ContentFile(content))
            item.papers.add(paper)
        started = time.perf_counter()
        try:
            built = build_pack(gather_pack(meeting))
            assert len(built.page_map) == 10
        except Exception as error:  # noqa: BLE001
            failures += 1
            print("   pack failure", type(error).__name__, str(error)[:100])
        times.append(time.perf_counter() - started)
    print(
        f"packs: {len(accepted)} packs of ten papers with one accepted mutant each, "
        f"{failures} failed; median build {statistics.median(times):.2f} s"
    )


def sanitiser(examples):
    env = dict(os.environ, WKP_FUZZ_EXAMPLES=str(examples), WKP_FUZZ_RANDOM="1")
    env.pop("DATABASE_URL")
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "-p", "no:cacheprovider",
         "-W", "ignore", "tests/security/test_sanitiser_properties.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    summary = result.stdout.strip().splitlines()[-1]
    print(
        f"sanitiser: {examples} random cases per property (3 properties), "
        f"{time.perf_counter() - started:.0f} s: {summary}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=int, default=2000)
    parser.add_argument("--docx", type=int, default=1000)
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--packs", type=int, default=10)
    parser.add_argument("--sanitiser", type=int, default=5000)
    args = parser.parse_args()
    check_all("PDF mutations", mutated_pdfs(1, args.pdfs), "mutant.pdf")
    rng = random.Random(2)
    base = docx()
    check_all("Word mutations", ((i, mutate(base, rng)) for i in range(args.docx)), "m.docx")
    meeting = views(args.views)
    packs(meeting, args.packs)
    sanitiser(args.sanitiser)


if __name__ == "__main__":
    main()
