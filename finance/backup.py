"""The ledger's figures in a backup's manifest, compared after a restore (wkp/backup.py)."""

import datetime

from wkp.registry import BackupCheck

from . import ledger
from .models import FinancialYear, LedgerEntry
from .reports import fund_statement


def ledger_totals():
    """The ledger as finance/ledger.py adds it up (Decimal, written as text)."""
    amounts = LedgerEntry.objects.amounts_by_year()
    start_years = dict(FinancialYear.objects.values_list("pk", "start_year"))
    sums = {
        f"{start_years[year_id]} {kind}": getattr(year_amounts, kind)
        for year_id, year_amounts in amounts.items()
        for kind in LedgerEntry.Kind.values
        if getattr(year_amounts, kind)
    }
    statement = fund_statement(datetime.date.max)
    totals = statement.totals
    return {
        "entries": LedgerEntry.objects.count(),
        "by_year_and_kind": {
            key: str(ledger.total(values)) for key, values in sorted(sums.items())
        },
        "fund": {
            name: str(getattr(totals, name)) if totals else None
            for name in ("income", "overheads", "projects", "total_spend", "allocated")
        },
        "carried_forward": {f.label: str(f.carried_forward) for f in statement.figures},
    }


LEDGER_CHECK = BackupCheck(
    key="ledger",
    figures=ledger_totals,
    mismatch=lambda backed_up, restored: (
        f"ledger totals differ: backed up {backed_up}, restored {restored}"
    ),
)
