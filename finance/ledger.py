"""The fund's arithmetic: pure functions on Decimal, no database.

resources = income + brought forward; brought forward = the previous year's carried forward;
total spend = overheads + projects; carried forward = resources − total spend.
For an actual year the projects line is what was allocated. For a projected year it is the
budget left after overheads (so nothing is carried forward), and the project funding still
available is that budget less what is already allocated.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
POUND = Decimal("1")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


class MoneyError(ValueError):
    """A value that is not an amount of money in pounds and pence."""


PLAIN_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def to_money(value):
    """Parse a value into Decimal pounds and pence, refusing floats, NaN, infinities, thousands
    separators and fractions of a penny (the one rounding rule: none on the way in)."""
    if isinstance(value, float):
        raise MoneyError("Amounts must not be floating-point numbers.")
    if isinstance(value, bool):
        raise MoneyError("Enter an amount in pounds and pence.")
    if isinstance(value, str):
        text = value.strip()
        if "," in text:
            raise MoneyError("Enter the amount without commas, e.g. 1000.00.")
        if text.startswith("£"):
            raise MoneyError("Enter the amount without the £ sign.")
        value = text
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise MoneyError("Enter an amount in pounds and pence, e.g. 1000.00.") from error
    if not amount.is_finite():
        raise MoneyError("Enter a real amount of money (not NaN or infinity).")
    # Decimal also reads "1e3", "1_000" and other scripts' digits; money is typed as plain digits.
    if isinstance(value, str) and not PLAIN_AMOUNT.fullmatch(value):
        raise MoneyError("Enter an amount in pounds and pence, e.g. 1000.00.")
    # Size first: quantizing needs as many digits as the amount has, and past the context's 28
    # (27 digits and the pence) it raises InvalidOperation instead of answering.
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError("That amount is too large.")
    if amount != amount.quantize(PENNY, rounding=ROUND_HALF_UP):
        raise MoneyError("Amounts are in whole pence: use no more than two decimal places.")
    return amount.quantize(PENNY)


def whole_pounds(amount):
    """The reports' one display rounding rule: to the nearest pound, halves away from zero."""
    return Decimal(amount).quantize(POUND, rounding=ROUND_HALF_UP)


def total(values: Iterable):
    """Sum of amounts, ignoring blanks (None); Decimal(0.00) for none."""
    return sum((Decimal(v) for v in values if v is not None), ZERO)


@dataclass(frozen=True)
class YearInput:
    """What the ledger holds for one year (net of reversals)."""

    label: str
    projected: bool
    income: Decimal
    overheads: Decimal
    allocated: Decimal


@dataclass(frozen=True)
class YearFigures:
    label: str
    projected: bool
    income: Decimal
    brought_forward: Decimal | None  # None for the first year: nothing to bring forward
    resources: Decimal
    overheads: Decimal
    projects: Decimal
    total_spend: Decimal
    carried_forward: Decimal
    allocated: Decimal
    available: Decimal  # funds not yet spent or allocated (for a projected year: still available)


def year_figures(year: YearInput, brought_forward):
    """One year's figures given what was carried forward into it (None for the first year)."""
    resources = year.income + (brought_forward or ZERO)
    if year.projected:
        projects = resources - year.overheads
        available = projects - year.allocated
    else:
        projects = year.allocated
        available = resources - year.overheads - year.allocated
    total_spend = year.overheads + projects
    return YearFigures(
        label=year.label,
        projected=year.projected,
        income=year.income,
        brought_forward=brought_forward,
        resources=resources,
        overheads=year.overheads,
        projects=projects,
        total_spend=total_spend,
        carried_forward=resources - total_spend,
        allocated=year.allocated,
        available=available,
    )


def fund_years(years: Sequence[YearInput]):
    """The chain of years, each bringing forward the previous year's carried forward."""
    results = []
    brought_forward = None
    for year in years:
        figures = year_figures(year, brought_forward)
        results.append(figures)
        brought_forward = figures.carried_forward
    return tuple(results)


@dataclass(frozen=True)
class Totals:
    """Totals across years, only where adding years up means something."""

    income: Decimal
    overheads: Decimal
    projects: Decimal
    total_spend: Decimal
    allocated: Decimal


def fund_totals(figures: Sequence[YearFigures]):
    return Totals(
        income=total(f.income for f in figures),
        overheads=total(f.overheads for f in figures),
        projects=total(f.projects for f in figures),
        total_spend=total(f.total_spend for f in figures),
        allocated=total(f.allocated for f in figures),
    )


def allocation_shortfall(years: Sequence[YearInput], index, amount):
    """How far an extra allocation of `amount` in years[index] would take that year, or any
    later year (whose brought forward it reduces), beyond the funds available: ZERO if none."""
    before = fund_years(years)
    changed = list(years)
    target = changed[index]
    changed[index] = YearInput(
        label=target.label,
        projected=target.projected,
        income=target.income,
        overheads=target.overheads,
        allocated=target.allocated + amount,
    )
    after = fund_years(changed)
    worst = ZERO
    for old, new in zip(before[index:], after[index:], strict=True):
        # A year already over-committed is not this allocation's fault: count only the change.
        if new.available < 0:
            worst = max(worst, -new.available - max(ZERO, -old.available))
    return worst


@dataclass(frozen=True)
class BudgetLineFigures:
    description: str
    estimate: Decimal
    actual: Decimal | None
    variance: Decimal | None  # actual − estimate, when the actual is known


@dataclass(frozen=True)
class BudgetFigures:
    lines: tuple
    estimate: Decimal
    actual: Decimal | None  # only when every line's actual is known
    actual_so_far: Decimal
    variance: Decimal | None


def budget_figures(lines: Iterable[tuple]):
    """Lines are (description, estimate, actual or None)."""
    rows = tuple(
        BudgetLineFigures(
            description=description,
            estimate=estimate,
            actual=actual,
            variance=None if actual is None else actual - estimate,
        )
        for description, estimate, actual in lines
    )
    estimate = total(r.estimate for r in rows)
    known = all(r.actual is not None for r in rows) and bool(rows)
    actual = total(r.actual for r in rows) if known else None
    return BudgetFigures(
        lines=rows,
        estimate=estimate,
        actual=actual,
        actual_so_far=total(r.actual for r in rows),
        variance=None if actual is None else actual - estimate,
    )
