"""Time the fund statement and its chart against a large ledger (not collected as a test).

    .venv/bin/python tests/benchmarks/finance_statement.py [entries]

Builds a throwaway SQLite database in a temporary folder (or uses DATABASE_URL), posts
`entries` ledger entries (default 30,000) across ten years, then times fund_statement(), the
chart and the PDF, and checks the totals against an exact Decimal sum.
"""

import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
tmp = tempfile.mkdtemp(prefix="wkp-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

from finance.models import FinancialYear, LedgerEntry, Project  # noqa: E402
from finance.reports import fund_statement, render_fund_chart_svg  # noqa: E402
from wkp.pdf import render_pdf  # noqa: E402


def main(count):
    call_command("migrate", verbosity=0)
    years = [
        FinancialYear.objects.create(
            start_year=2000 + i, kind="actual", actual_from=datetime.date(2001 + i, 6, 30)
        )
        for i in range(9)
    ] + [FinancialYear.objects.create(start_year=2009, kind="projected")]
    projects = [Project.objects.create(name=f"Project {i}", sort_order=i) for i in range(40)]
    rows, expected = [], Decimal(0)
    for n in range(count):
        year = years[n % len(years)]
        kind = ("income", "overhead", "allocation")[n % 3]
        amount = Decimal(100 + n % 997) + Decimal(n % 100) / 100
        expected += amount if kind == "income" else 0
        rows.append(
            LedgerEntry(
                year=year,
                kind=kind,
                amount=amount,
                posted_on=year.start_date,
                description="bench",
                project=projects[n % 40] if kind == "allocation" else None,
            )
        )
    LedgerEntry.objects.bulk_create(rows, batch_size=2000)

    from django.conf import settings

    settings.DEBUG = True
    reset_queries()
    start = time.perf_counter()
    statement = fund_statement(datetime.date(2010, 3, 31))
    elapsed = time.perf_counter() - start
    queries = len(connection.queries)
    assert statement.totals.income == expected, (statement.totals.income, expected)
    print(f"fund_statement: {count} entries, {queries} queries, {elapsed:.3f} s")

    start = time.perf_counter()
    svg = render_fund_chart_svg(statement)
    print(f"chart: {len(svg)} bytes, {time.perf_counter() - start:.3f} s")

    start = time.perf_counter()
    html = render_to_string(
        "finance/pdf/statement.html", {"statement": statement, "chart_svg": svg}
    )
    pdf = render_pdf(html, name="benchmark statement")
    print(f"PDF: {len(pdf)} bytes, {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    import shutil

    try:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 30_000)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
