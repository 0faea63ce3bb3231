"""Co-ordinators posting to the ledger at the same moment, through the real services, each
thread on its own database connection (PostgreSQL): no posting is lost or doubled, the balance
is the exact Decimal sum of what was posted, racing corrections of one entry form a single
chain, racing allocations never spend beyond the fund, and racing to open or close a year gives
one clear outcome.

SQLite serialises writers and answers a second one with "database is locked", so these tests
need PostgreSQL; they are skipped on SQLite unless WKP_REQUIRE_POSTGRES=1 (CI), which refuses
to run on anything but PostgreSQL.
"""

import datetime
import os
import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, connections

from finance import services
from finance.models import FinancialYear, LedgerEntry, Project
from finance.reports import fund_statement
from tests.finance.factories import post_on_first_day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("WKP_REQUIRE_POSTGRES") != "1",
        reason="needs PostgreSQL: SQLite serialises writers and raises 'database is locked'",
    ),
]

THREADS = 20
POSTINGS = 50  # per thread
SHARED = 5  # entries every thread corrects once each, all at the same time
RETRIES = 200
SIGN = {"income": 1, "overhead": -1, "allocation": -1}
OPENING = Decimal("100000000.00")  # enough that no allocation below is refused for want of funds
LATER = datetime.date(2030, 1, 1)


def run_threads(work, count=THREADS):
    """Run work(n) for n in range(count), all released at once; return unexpected errors."""
    barrier = threading.Barrier(count)
    errors = []

    def target(n):
        try:
            barrier.wait()
            work(n)
        except Exception as error:  # any error at all is a failure, reported below
            errors.append((n, repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def balance():
    """Income − overheads − allocations over every row, in Python Decimal."""
    rows = LedgerEntry.objects.values_list("kind", "amount")
    return sum((SIGN[kind] * amount for kind, amount in rows), Decimal("0.00"))


def statement_balance():
    """The fund statement's carried forward plus each projected year's funding available."""
    figures = fund_statement(LATER).figures
    return figures[-1].carried_forward + sum((f.available for f in figures if f.projected), 0)


@pytest.fixture
def fund():
    user = get_user_model().objects.create_user("cora-concurrent", password=None)
    actual = services.create_year(
        start_year=2005, kind="actual", actual_from=datetime.date(2006, 6, 30), by=user
    )
    projected = services.create_year(start_year=2006, kind="projected", by=user)
    project = Project.objects.create(name="Ssky Project")
    return user, [actual, projected], project


def plan_for(thread, years, project):
    """Each thread's fifty postings and five corrections, drawn before any thread starts, so
    the expected balance does not depend on what the service returns."""
    rng = random.Random(thread)
    postings = []
    for i in range(POSTINGS):
        kind = rng.choices(["income", "overhead", "allocation"], weights=[5, 3, 2])[0]
        year = rng.choice(years)
        postings.append(
            {
                "year": year,
                "kind": kind,
                "amount": Decimal(rng.randint(1, 500_000)).scaleb(-2),
                "posted_on": year.start_date + datetime.timedelta(days=rng.randint(0, 364)),
                "description": f"thread {thread:02d} posting {i:02d}",
                "project": project if kind == "allocation" else None,
            }
        )
    corrections = [(k, Decimal(rng.randint(1, 100_000)).scaleb(-2)) for k in range(SHARED)]
    rng.shuffle(corrections)
    steps = [("post", p) for p in postings]
    for correction in corrections:
        steps.insert(rng.randint(0, len(steps)), ("correct", correction))
    return steps


def latest_in_chain(pk):
    """The current version of an entry: follow its corrections to the one not yet replaced."""
    while True:
        replacement = LedgerEntry.objects.filter(replaces_id=pk).values_list("pk", flat=True)
        if not replacement:
            return pk
        pk = replacement[0]


def test_twenty_threads_posting_fifty_entries_each_end_at_the_exact_balance(fund):
    user, years, project = fund
    post_on_first_day(years[0], "income", OPENING, "Opening grant", by=user)
    shared = [
        post_on_first_day(
            years[1],
            kind,
            Decimal("100.00"),
            f"Shared {k}",
            project=project if kind == "allocation" else None,
            by=user,
        )
        for k, kind in enumerate(["overhead", "allocation", "income", "overhead", "allocation"])
    ]
    plans = [plan_for(n, years, project) for n in range(THREADS)]
    posted, corrected, conflicts = [], [], Counter()

    def work(n):
        for action, step in plans[n]:
            if action == "post":
                entry = services.post_entry(by=user, **step)
                posted.append((step["description"], entry.pk))
                continue
            k, amount = step
            for _ in range(RETRIES):
                head = latest_in_chain(shared[k].pk)
                try:
                    _, replacement = services.correct_entry(
                        LedgerEntry(pk=head),
                        by=user,
                        amount=amount,
                        posted_on=years[1].end_date,
                        description=f"Shared {k} corrected by thread {n}",
                        project=project if shared[k].kind == "allocation" else None,
                    )
                except ValidationError as error:
                    if error.code != "reversed":
                        raise
                    conflicts[k] += 1  # someone corrected it first: retry on their version
                    continue
                corrected.append((k, replacement.pk, amount))
                break
            else:
                raise AssertionError(f"correction of shared entry {k} never went through")

    errors = run_threads(work)

    assert errors == []
    # Every posting exists exactly once.
    planned = [step["description"] for plan in plans for action, step in plan if action == "post"]
    assert len(planned) == len(posted) == THREADS * POSTINGS
    stored = Counter(
        LedgerEntry.objects.filter(description__startswith="thread ").values_list(
            "description", flat=True
        )
    )
    assert stored == Counter(planned)
    assert all(count == 1 for count in stored.values())
    # Each shared entry was corrected once by every thread, in one unbroken chain.
    heads = {}
    for k, entry in enumerate(shared):
        chain, pk = [], entry.pk
        while True:
            chain.append(pk)
            following = list(LedgerEntry.objects.filter(replaces_id=pk).values_list("pk"))
            if not following:
                break
            assert len(following) == 1, f"shared entry {k} was corrected twice at once"
            pk = following[0][0]
        assert len(chain) == THREADS + 1
        for pk in chain[:-1]:
            assert LedgerEntry.objects.filter(reverses_id=pk).count() == 1
        assert not LedgerEntry.objects.filter(reverses_id=chain[-1]).exists()
        heads[k] = next(amount for j, pk, amount in corrected if j == k and pk == chain[-1])
    assert sorted(Counter(k for k, _, _ in corrected).values()) == [THREADS] * SHARED
    # The balance is exactly what the plans posted, with each shared entry at its last version.
    expected = OPENING + sum(
        (
            SIGN[step["kind"]] * step["amount"]
            for plan in plans
            for action, step in plan
            if action == "post"
        ),
        Decimal("0.00"),
    )
    expected += sum((SIGN[e.kind] * heads[k] for k, e in enumerate(shared)), Decimal("0.00"))
    assert balance() == expected
    assert statement_balance() == expected
    total = LedgerEntry.objects.count()
    assert total == 1 + SHARED + THREADS * POSTINGS + 2 * THREADS * SHARED
    assert LedgerEntry.history.filter(history_type="+").count() == total
    print(
        f"\n{THREADS} threads x {POSTINGS} postings + {THREADS * SHARED} racing corrections: "
        f"{total} entries, balance {expected}, {sum(conflicts.values())} corrections retried"
    )


def test_racing_allocations_never_spend_beyond_the_fund(fund):
    """£5,000 to allocate, 20 threads each asking five times for £100 at once, no overrides:
    exactly fifty are accepted and the rest are refused as beyond the funds available."""
    user, years, project = fund
    year = years[1]
    post_on_first_day(year, "income", "5000.00", "Contributions", by=user)
    refused = []

    def work(n):
        for i in range(5):
            try:
                post_on_first_day(
                    year,
                    "allocation",
                    "100.00",
                    f"thread {n} allocation {i}",
                    project=project,
                    by=user,
                )
            except ValidationError as error:
                assert error.code == "shortfall", error
                refused.append(n)

    assert run_threads(work) == []
    assert len(refused) == 50
    assert LedgerEntry.objects.filter(kind="allocation").count() == 50
    figures = fund_statement(LATER).figures
    assert (figures[-1].allocated, figures[-1].available) == (Decimal("5000.00"), Decimal(0))


@pytest.mark.parametrize("first", [True, False], ids=["first year", "next year"])
def test_racing_to_open_a_year_opens_it_once(fund, first):
    """Before the fix, all but one thread got a duplicate-key IntegrityError (a server error)."""
    user, years, _ = fund
    start_year = 2007
    if first:
        FinancialYear.objects.all().delete()
        start_year = 2005
    outcomes = []

    def work(n):
        try:
            services.create_year(start_year=start_year, kind="projected", by=user)
            outcomes.append("opened")
        except ValidationError as error:
            assert error.messages, error
            outcomes.append("refused")

    assert run_threads(work) == []
    assert sorted(outcomes) == ["opened"] + ["refused"] * (THREADS - 1)
    assert FinancialYear.objects.filter(start_year=start_year).count() == 1


def test_no_posting_lands_in_a_year_after_it_is_closed(fund):
    """Nineteen threads post to a year while the twentieth closes it: each posting either
    committed before the close or was refused as closed."""
    user, years, _ = fund
    year = years[1]
    accepted, refused = [], []

    def work(n):
        if n == 0:
            services.close_year(year, by=user)
            return
        for i in range(10):
            try:
                accepted.append(
                    post_on_first_day(
                        year, "income", "10.00", f"thread {n} posting {i}", by=user
                    ).pk
                )
            except ValidationError as error:
                assert error.code == "closed", error
                refused.append(n)

    assert run_threads(work) == []
    assert len(accepted) + len(refused) == (THREADS - 1) * 10
    closed_at = FinancialYear.history.filter(id=year.pk, is_closed=True).get().history_date
    recorded = LedgerEntry.objects.filter(year=year).values_list("pk", "recorded_at")
    assert sorted(pk for pk, _ in recorded) == sorted(accepted)
    assert all(at < closed_at for _, at in recorded)
