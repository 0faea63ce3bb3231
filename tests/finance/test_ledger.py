"""Property tests of the pure fund arithmetic (no database)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance import ledger

amounts = st.integers(min_value=0, max_value=10_000_000_00).map(lambda p: Decimal(p) / 100)


@st.composite
def year_inputs(draw, min_years=1, max_years=8):
    count = draw(st.integers(min_value=min_years, max_value=max_years))
    # Projected years come after actual ones, as the ledger enforces.
    projected_from = draw(st.integers(min_value=0, max_value=count))
    return [
        ledger.YearInput(
            label=f"{2000 + i}/{(2001 + i) % 100}",
            projected=i >= projected_from,
            income=draw(amounts),
            overheads=draw(amounts),
            allocated=draw(amounts),
        )
        for i in range(count)
    ]


@given(year_inputs())
def test_fund_years_carry_forward_chains_each_year_into_the_next(years):
    figures = ledger.fund_years(years)

    assert figures[0].brought_forward is None
    for previous, current in zip(figures, figures[1:], strict=False):
        assert current.brought_forward == previous.carried_forward
    for f in figures:
        assert f.resources == f.income + (f.brought_forward or 0)
        assert f.total_spend == f.overheads + f.projects
        assert f.carried_forward == f.resources - f.total_spend


@given(year_inputs())
def test_fund_years_income_equals_spend_plus_final_balance(years):
    figures = ledger.fund_years(years)
    totals = ledger.fund_totals(figures)

    assert totals.income == totals.total_spend + figures[-1].carried_forward
    assert totals.total_spend == totals.overheads + totals.projects
    assert totals.allocated == sum((y.allocated for y in years), Decimal(0))


@given(year_inputs())
def test_fund_years_projected_year_spends_its_budget_and_reports_what_is_left(years):
    figures = ledger.fund_years(years)

    for f in figures:
        if f.projected:
            assert f.carried_forward == 0
            assert f.projects == f.resources - f.overheads
            assert f.available == f.projects - f.allocated
        else:
            assert f.projects == f.allocated
            assert f.available == f.carried_forward


@given(year_inputs(), st.data())
def test_allocation_shortfall_is_zero_exactly_when_every_affected_year_stays_funded(years, data):
    index = data.draw(st.integers(min_value=0, max_value=len(years) - 1))
    amount = data.draw(amounts.filter(lambda a: a > 0))
    before = ledger.fund_years(years)
    changed = list(years)
    y = changed[index]
    changed[index] = ledger.YearInput(
        y.label, y.projected, y.income, y.overheads, y.allocated + amount
    )
    after = ledger.fund_years(changed)

    shortfall = ledger.allocation_shortfall(years, index, amount)

    assert shortfall >= 0
    if amount > before[index].available >= 0:
        assert shortfall >= amount - before[index].available
    if all(f.available >= 0 for f in before[index:]):
        assert (shortfall == 0) == all(f.available >= 0 for f in after[index:])
        assert shortfall == max([ledger.ZERO] + [-f.available for f in after[index:]])


EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # year
        st.sampled_from(["income", "overheads", "allocated"]),
        amounts.filter(lambda a: a > 0),
        st.booleans(),  # reverse an earlier posting of the same amount instead
    ),
    max_size=40,
)


@given(EDITS)
def test_fund_years_invariants_survive_any_sequence_of_postings_and_reversals(edits):
    labels = ["2003/4", "2004/5", "2005/6", "2006/7"]
    postings = []  # (year, field, amount) as an append-only ledger
    for year, field, amount, reverse in edits:
        earlier = [p for p in postings if p[0] == year and p[1] == field and p[2] > 0]
        if reverse and earlier:
            postings.append((year, field, -earlier[-1][2]))
        else:
            postings.append((year, field, amount))
        years = [
            ledger.YearInput(
                label=labels[i],
                projected=i == 3,
                **{
                    f: ledger.total(a for y, g, a in postings if y == i and g == f)
                    for f in ("income", "overheads", "allocated")
                },
            )
            for i in range(4)
        ]
        figures = ledger.fund_years(years)
        totals = ledger.fund_totals(figures)
        for previous, current in zip(figures, figures[1:], strict=False):
            assert current.brought_forward == previous.carried_forward
        assert totals.income == totals.total_spend + figures[-1].carried_forward
        assert figures[3].carried_forward == 0
        assert (
            figures[3].available
            == figures[3].resources - figures[3].overheads - figures[3].allocated
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "not NaN or infinity"),
        ("Infinity", "not NaN or infinity"),
        ("-Infinity", "not NaN or infinity"),
        ("1,000.00", "without commas"),
        ("0.005", "two decimal places"),
        ("£5", "without the £ sign"),
        ("ten pounds", "pounds and pence"),
        ("99999999999", "too large"),
        ("9" * 26, "too large"),
        # 27 digits and the pence pass the 28 a Decimal context holds: quantize fails unchecked.
        ("9" * 27, "too large"),
        ("-" + "9" * 60 + ".001", "too large"),
    ],
)
def test_to_money_refuses_what_is_not_pounds_and_pence(text, message):
    with pytest.raises(ledger.MoneyError, match=message):
        ledger.to_money(text)


def test_to_money_refuses_floats():
    with pytest.raises(ledger.MoneyError):
        ledger.to_money(0.1)


def test_to_money_reads_pounds_and_pence_exactly():
    assert ledger.to_money("1000.5") == Decimal("1000.50")
    assert ledger.to_money(Decimal("0.01")) == Decimal("0.01")


def test_whole_pounds_rounds_halves_away_from_zero():
    assert ledger.whole_pounds(Decimal("2.50")) == 3
    assert ledger.whole_pounds(Decimal("-2.50")) == -3
    assert ledger.whole_pounds(Decimal("2.49")) == 2


def test_budget_figures_total_the_conference_estimate_and_wait_for_actuals():
    lines = [
        ("Venue and AV equipment", Decimal(2500), None),
        ("Catering 200 people", Decimal(3000), Decimal(3100)),
        ("Marketing materials", Decimal(2000), None),
    ]

    figures = ledger.budget_figures(lines)

    assert figures.estimate == Decimal(7500)
    assert figures.actual is None
    assert figures.actual_so_far == Decimal(3100)
    assert figures.lines[1].variance == Decimal(100)
