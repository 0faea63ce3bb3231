"""Sequences of postings, corrections and reversals through the services never break the
fund statement's invariants (hypothesis, against the database)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from finance import services
from finance.models import LedgerEntry, Project
from finance.reports import fund_statement

from .factories import make_entry, make_year

END = datetime.date(2008, 3, 31)

amounts = st.integers(min_value=1, max_value=5_000_000).map(lambda p: Decimal(p) / 100)
actions = st.lists(
    st.tuples(
        st.sampled_from(["post", "reverse", "correct"]),
        st.integers(min_value=0, max_value=2),  # year index
        st.sampled_from(list(LedgerEntry.Kind.values)),
        amounts,
        st.integers(min_value=0, max_value=50),  # which entry to reverse or correct
    ),
    max_size=12,
)


class TestServicesKeepTheFundConsistent(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(actions)
    def test_services_any_sequence_keeps_the_statement_invariants(self, steps):
        user = get_user_model().objects.create_user("cora")
        years = [make_year(2005, "actual"), make_year(2006, "actual"), make_year(2007)]
        project = Project.objects.create(name="Ssky Project")
        for action, y, kind, amount, pick in steps:
            year = years[y]
            entries = list(LedgerEntry.objects.filter(reverses__isnull=True).order_by("pk"))
            try:
                if action == "post" or not entries:
                    services.post_entry(
                        year=year,
                        kind=kind,
                        amount=amount,
                        posted_on=year.start_date,
                        description="x",
                        project=project if kind == "allocation" else None,
                        override_reason="test",
                        by=user,
                    )
                elif action == "reverse":
                    target = entries[pick % len(entries)]
                    services.reverse_entry(target, by=user, posted_on=target.year.start_date)
                else:
                    target = entries[pick % len(entries)]
                    services.correct_entry(
                        target,
                        by=user,
                        amount=amount,
                        posted_on=target.year.end_date,
                        description="corrected",
                        project=project if target.kind == "allocation" else None,
                        override_reason="test",
                    )
            except ValidationError:
                pass  # refused (e.g. already reversed): nothing saved, checked below

            statement = fund_statement(END)
            figures = statement.figures
            for previous, current in zip(figures, figures[1:], strict=False):
                assert current.brought_forward == previous.carried_forward
            totals = statement.totals
            if totals:
                assert totals.income == totals.total_spend + figures[-1].carried_forward
            # Every entry is reversed at most once, and a reversal mirrors its original.
            for reversal in LedgerEntry.objects.filter(reverses__isnull=False):
                assert reversal.amount == -reversal.reverses.amount
                assert reversal.year_id == reversal.reverses.year_id
            net = sum((e.amount for e in LedgerEntry.objects.all()), Decimal(0))
            assert net == sum((f.income + f.overheads + f.allocated for f in figures), Decimal(0))


@pytest.mark.django_db
def test_post_entry_refuses_a_float_amount(coordinator):
    year = make_year(2006)

    with pytest.raises(ValidationError, match="floating-point"):
        services.post_entry(
            year=year,
            kind="income",
            amount=0.1,
            posted_on=year.start_date,
            description="x",
            by=coordinator,
        )
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_reopen_year_refuses_an_open_year(coordinator):
    year = make_year(2006)

    with pytest.raises(ValidationError, match="not closed"):
        services.reopen_year(year, by=coordinator, reason="why")


@pytest.mark.django_db
def test_reverse_entry_refuses_to_reverse_a_reversal(coordinator):
    year = make_year(2006)
    entry = services.post_entry(
        year=year,
        kind="income",
        amount="10",
        posted_on=year.start_date,
        description="x",
        by=coordinator,
    )
    reversal = services.reverse_entry(entry, by=coordinator, posted_on=year.start_date)

    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        services.reverse_entry(reversal, by=coordinator, posted_on=year.start_date)


@pytest.mark.django_db
@pytest.mark.parametrize("entries", [2, 200])
def test_postings_cost_the_same_queries_however_long_the_ledger(
    entries, coordinator, django_assert_num_queries
):
    """An income, an allocation and a correction each take a fixed number of statements: the
    services read and lock what they need once, and the database, not `full_clean`, checks the
    links and the table's constraints again (a correction took 37 statements before, 16 now)."""
    years = [make_year(2005, "actual"), make_year(2006)]
    project = Project.objects.create(name="Ssky Project")
    for number in range(entries):
        make_entry(years[number % 2], "income", Decimal("10.00"))

    def post(kind, **extra):
        return services.post_entry(
            year=years[1],
            kind=kind,
            amount=Decimal("5.00"),
            posted_on=years[1].start_date,
            description=kind,
            by=coordinator,
            **extra,
        )

    # SAVEPOINT, lock the years, read the year, (an allocation: the years and what each
    # holds), INSERT the entry and its history row, RELEASE.
    with django_assert_num_queries(6):
        post("income")
    with django_assert_num_queries(8):
        allocation = post("allocation", project=project)
    # The same for the reversal (its entry, its project, one reversal only) and then the
    # replacement, inside the correction's own savepoint.
    with django_assert_num_queries(16):
        services.correct_entry(
            allocation,
            by=coordinator,
            amount=Decimal("4.00"),
            posted_on=years[1].start_date,
            description="corrected",
            project=project,
        )
    assert LedgerEntry.objects.filter(replaces=allocation, amount=Decimal("4.00")).exists()
