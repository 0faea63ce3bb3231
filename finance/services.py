"""Workflows that write to the fund: post, correct and reverse ledger entries; open, close and
reopen financial years. Each is atomic and records who did it."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from wkp.templatetags.wkp_format import money

from . import ledger
from .models import FinancialYear, LedgerEntry, YearReopening
from .reports import year_inputs


def pounds(amount):
    """£1,234 or £1,234.56 in messages, through the same filter as pages and papers."""
    amount = Decimal(amount)
    return money(amount, 0 if amount == amount.to_integral_value() else 2)


@dataclass(frozen=True)
class Shortfall:
    year: FinancialYear
    amount: Decimal
    available: Decimal


def allocation_shortfall(year, amount):
    """How far allocating `amount` in `year` would go beyond the funds available (the whole
    ledger as it stands now), or None if it fits."""
    years = list(FinancialYear.objects.order_by("start_year"))
    inputs = year_inputs(years, LedgerEntry.objects.amounts_by_year(), timezone.localdate())
    index = next(i for i, y in enumerate(years) if y.pk == year.pk)
    figures = ledger.fund_years(inputs)
    short = ledger.allocation_shortfall(inputs, index, amount)
    if short <= 0:
        return None
    return Shortfall(year=year, amount=short, available=max(figures[index].available, 0))


def shortfall_message(shortfall):
    return (
        f"This allocation would take {shortfall.year.label}'s projects "
        f"{pounds(shortfall.amount)} beyond the funds available "
        f"({pounds(shortfall.available)} available). Reduce the amount, or tick "
        f"“Override” and record why."
    )


def check_year_open(year):
    if year.is_closed:
        raise ValidationError(
            f"{year.label} is closed: its ledger is read-only. A co-ordinator can reopen it.",
            code="closed",
        )


def check_date_in_year(year, posted_on):
    if not year.contains(posted_on):
        raise ValidationError(
            f"The date must fall within {year.label} (1 April {year.start_year} to "
            f"31 March {year.start_year + 1}).",
            code="out_of_year",
        )


def next_start_year():
    last = FinancialYear.objects.order_by("-start_year").first()
    return None if last is None else last.start_year + 1


def check_year_in_sequence(start_year, kind):
    """Years are added one after another, and no actual year follows a projected one."""
    expected = next_start_year()
    if expected is not None and start_year != expected:
        raise ValidationError(
            f"Financial years must follow on: the next year is {expected}/"
            f"{(expected + 1) % 100}, not {start_year}/{(start_year + 1) % 100}.",
            code="out_of_sequence",
        )
    if (
        kind == FinancialYear.Kind.ACTUAL
        and FinancialYear.objects.filter(kind=FinancialYear.Kind.PROJECTED).exists()
    ):
        raise ValidationError(
            "An actual year cannot follow a projected one: make the earlier years actual first.",
            code="out_of_sequence",
        )


@transaction.atomic
def create_year(*, start_year, kind, actual_from=None, by):
    """Open the next financial year. The years are locked before the sequence check, so two
    co-ordinators opening the same year at once get one year and one clear refusal."""
    _lock_years()
    check_year_in_sequence(start_year, kind)
    year = FinancialYear(start_year=start_year, kind=kind, actual_from=actual_from)
    year._history_user = by
    year.full_clean()
    try:
        with transaction.atomic():
            year.save()
    except IntegrityError as error:
        # The very first year has no row to lock: the unique start year decides that race.
        raise ValidationError(
            f"{year.label} has just been added by someone else.", code="out_of_sequence"
        ) from error
    return year


@transaction.atomic
def close_year(year, *, by):
    """Make a year's ledger read-only."""
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    year.is_closed = True
    year._history_user = by
    year.save()
    return year


@transaction.atomic
def reopen_year(year, *, by, reason):
    """Reopen a closed year, recording who did it, when and why."""
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    if not year.is_closed:
        raise ValidationError(f"{year.label} is not closed.", code="not_closed")
    if not reason.strip():
        raise ValidationError("Say why the year is being reopened.", code="reason")
    year.is_closed = False
    year._history_user = by
    year.save()
    YearReopening.objects.create(year=year, reopened_by=by, reason=reason.strip())
    return year


@transaction.atomic
def update_year(year, *, kind, actual_from, by):
    """Change whether a year is actual or projected and when its figures became final. The
    year's row is locked before "closed" is checked, so a close that races this edit either
    lands first (and the edit is refused) or waits for it; the edit never reopens the year."""
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    if year.is_closed:
        raise ValidationError(f"{year.label} is closed: reopen it first.", code="closed")
    year.kind, year.actual_from = kind, actual_from
    year._history_user = by
    year.save(update_fields=["kind", "actual_from"])
    return year


def _lock_years():
    # Allocation checks read every year; lock them so two postings cannot both pass the check.
    list(FinancialYear.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def post_entry(
    *,
    year,
    kind,
    amount,
    posted_on,
    description,
    by,
    source=None,
    project=None,
    meeting=None,
    agenda_item=None,
    override_reason="",
    replaces=None,
):
    """Post a new ledger entry after checking the year is open, the date falls in it, and an
    allocation fits the funds available (or carries a recorded override reason)."""
    _lock_years()
    year = FinancialYear.objects.get(pk=year.pk)
    try:
        amount = ledger.to_money(amount)
    except ledger.MoneyError as error:
        raise ValidationError(str(error), code="not_positive") from error
    if amount <= 0:
        raise ValidationError("Enter an amount greater than zero.", code="not_positive")
    check_year_open(year)
    check_date_in_year(year, posted_on)
    if kind == LedgerEntry.Kind.ALLOCATION:
        if project is None:
            raise ValidationError("Choose the project this allocation is for.", code="project")
        # A correction's reversal is already posted, so the ledger no longer counts the original.
        shortfall = allocation_shortfall(year, amount)
        override_reason = override_reason.strip()
        if shortfall and not override_reason:
            raise ValidationError(shortfall_message(shortfall), code="shortfall")
        if not shortfall:
            override_reason = ""
    else:
        project = None
        override_reason = ""
    if kind != LedgerEntry.Kind.INCOME:
        source = None
    entry = LedgerEntry(
        year=year,
        kind=kind,
        amount=amount,
        posted_on=posted_on,
        description=description,
        source=source,
        project=project,
        meeting=meeting,
        agenda_item=agenda_item,
        override_reason=override_reason,
        replaces=replaces,
        recorded_by=by,
    )
    return _record(entry, by=by)


LINKS = [field.name for field in LedgerEntry._meta.concrete_fields if field.is_relation]


def _record(entry, *, by):
    """Check and save a new ledger entry, with who recorded it in its history.

    The callers above have loaded (and locked) every record the entry links to and checked the
    rules the table's constraints state (sign, project, one reversal), so only the fields' own
    checks run here. Asking `full_clean` to check the links and constraints again took eight to
    eleven more queries per entry; the database still enforces them, and a breach would be a bug
    here that fails the whole transaction."""
    entry._history_user = by
    entry.full_clean(exclude=LINKS, validate_unique=False, validate_constraints=False)
    entry.save()
    return entry


def _reversal(entry, *, by, posted_on, reason):
    check_year_open(entry.year)
    if entry.is_reversal:
        raise ValidationError("A reversing entry cannot itself be reversed.", code="reversal")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError("This entry has already been reversed.", code="reversed")
    check_date_in_year(entry.year, posted_on)
    reversal = LedgerEntry(
        year=entry.year,
        kind=entry.kind,
        amount=-entry.amount,
        posted_on=posted_on,
        description=(f"Reversal ({reason}): " if reason else "Reversal: ")[:100]
        + entry.description[:100],
        source=entry.source,
        project=entry.project,
        reverses=entry,
        recorded_by=by,
    )
    return _record(reversal, by=by)


@transaction.atomic
def reverse_entry(entry, *, by, posted_on=None, reason=""):
    """Cancel an entry with a reversing entry (the ledger is append-only)."""
    _lock_years()
    entry = LedgerEntry.objects.select_related("year").get(pk=entry.pk)
    return _reversal(entry, by=by, posted_on=posted_on or timezone.localdate(), reason=reason)


@transaction.atomic
def correct_entry(entry, *, by, amount, posted_on, description, **fields):
    """Reverse `entry` and post its replacement, both in its year, in one step."""
    _lock_years()
    entry = LedgerEntry.objects.select_related("year").get(pk=entry.pk)
    reversal = _reversal(entry, by=by, posted_on=posted_on, reason="Corrected")
    replacement = post_entry(
        year=entry.year,
        kind=entry.kind,
        amount=amount,
        posted_on=posted_on,
        description=description,
        by=by,
        replaces=entry,
        **fields,
    )
    return reversal, replacement
