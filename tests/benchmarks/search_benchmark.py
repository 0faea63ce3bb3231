"""Search benchmark over 1,000 meetings and 20,000 papers (synthetic), on PostgreSQL.

    tests/with_postgres.sh .venv/bin/python tests/benchmarks/search_benchmark.py

Prints the median time of a full-text search and its ratio to a plain indexed lookup of the same
rows (by primary key), measured in one run. Not collected by pytest.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wkp.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

WORDS = [
    "transport",
    "housing",
    "health",
    "skills",
    "business",
    "community",
    "safety",
    "partnership",
    "budget",
    "bid",
    "appraisal",
    "project",
    "conference",
    "rural",
    "broadband",
    "burglary",
    "wardens",
    "youth",
    "enterprise",
    "tourism",
    "planning",
    "strategy",
    "funding",
    "volunteers",
    "employment",
    "schools",
    "police",
    "council",
    "district",
    "county",
]


def main():
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (tests/with_postgres.sh sets DATABASE_URL).")
    setup_test_environment()
    from django.test.utils import get_runner  # noqa: F401

    old_name = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"(test database {test_db} removed)")


def run():
    from meetings import search
    from meetings.models import Meeting, Paper
    from subgroups.models import Body

    call_command("migrate", verbosity=0)
    rng = random.Random(2006)
    body = Body.objects.create(name="Benchmark board")
    meetings = Meeting.objects.bulk_create(
        Meeting(
            body=body,
            date=f"{1990 + i // 40}-{1 + i % 12:02d}-{1 + i % 27:02d}",
            status="published",
            published_at="2000-01-01T00:00:00Z",
        )
        for i in range(1000)
    )
    papers = []
    for meeting in meetings:
        for n in range(20):
            text = " ".join(rng.choice(WORDS) for _ in range(120))
            papers.append(
                Paper(
                    meeting=meeting,
                    letter=chr(65 + n),
                    title=f"Paper {n} {rng.choice(WORDS)}",
                    body_html=f"<p>{text}</p>",
                )
            )
    Paper.objects.bulk_create(papers, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = User.objects.create(username="bench")
    user.groups.add(Group.objects.get(name="Member"))

    queries = ["broadband rural", "ssky project", "youth enterprise tourism", "wardens"]
    timings = []
    for _ in range(5):
        for query in queries:
            started = time.perf_counter()
            results = search.search(user, query, kind="paper")
            timings.append(time.perf_counter() - started)
    ids = [p.pk for p in Paper.objects.order_by("?")[:50]]
    lookups = []
    for _ in range(20):
        started = time.perf_counter()
        list(Paper.objects.filter(pk__in=ids).select_related("meeting__body"))
        lookups.append(time.perf_counter() - started)
    median, base = statistics.median(timings), statistics.median(lookups)
    print(
        f"search over {Meeting.objects.count():,} meetings and {Paper.objects.count():,} papers: "
        f"median {median * 1000:.1f} ms per query (up to 50 ranked results with highlights), "
        f"plain indexed lookup of 50 rows {base * 1000:.1f} ms, ratio {median / base:.1f}x; "
        f"last query returned {len(results)} results"
    )


if __name__ == "__main__":
    main()
