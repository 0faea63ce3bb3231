import datetime

import pytest

from finance.reports import fund_statement

PAPER_DATE = datetime.date(2006, 7, 14)

# Paper B's "WKP Financial Report - July 06" (titled "July 2006" now), cell by cell (blank
# cells as "").
SEED_TABLE = [
    ["", "2003/4 Actual", "2004/5 Actual", "2005/6 Actual", "2006/7 Projected", "TOTAL"],
    ["Income", "50000", "55000", "55000", "55000", "215000"],
    ["b/f previous year", "", "36211", "40806", "41671", ""],
    ["Resource available", "50000", "91211", "95806", "96671", ""],
    ["Expenditure", "", "", "", "", ""],
    ["overhead (co-ordinator + marketing)", "2429", "22955", "30456", "30700", "86540"],
    ["Projects", "11360", "27450", "23679", "65971", "128460"],
    ["Total spend", "13789", "50405", "54135", "96671", "215000"],
    ["Net income carried forward", "36211", "40806", "41671", "0", ""],
    ["Analysis of Projects", "", "", "", "", ""],
    ["Key Worker", "11360", "", "", "", "11360"],
    ["WKCVS post", "", "6250", "18750", "", "25000"],
    ["Priority Communities", "", "7000", "", "", "7000"],
    ["Safety in Action", "", "4600", "", "", "4600"],
    ["Volunteering England", "", "9600", "", "", "9600"],
    ["AIF review", "", "", "4929", "", "4929"],
    ["Ssky Project", "", "", "", "10000", "10000"],
    ["TOTAL allocated", "11360", "27450", "23679", "10000", "72489"],
    ["2006/7 project funding available", "", "", "", "55971", ""],
    ["External Funding (SEEDA)", "", "", "", "", ""],
    ["Home based businesses Project", "", "25000", "", "", ""],
    ["Destination Management System", "", "25000", "", "", ""],
]


@pytest.mark.django_db
def test_fund_statement_reproduces_paper_b_cell_by_cell(seed_ledger):
    statement = fund_statement(PAPER_DATE)

    table = statement.as_table()

    assert statement.title == "WKP Financial Report - July 2006"
    assert len(table) == len(SEED_TABLE)
    for seed_row, row in zip(SEED_TABLE, table, strict=True):
        assert row == seed_row


@pytest.mark.django_db
def test_demo_load_links_the_ssky_allocation_to_the_july_bid_appraisal():
    from django.core.management import call_command

    from finance.models import EventBudget, LedgerEntry

    call_command("load_demo", "--no-users")

    ssky = LedgerEntry.objects.get(project__name="Ssky Project")
    assert ssky.meeting.date == datetime.date(2006, 7, 14)
    assert ssky.agenda_item.title == "Bid Appraisal"
    assert EventBudget.objects.get().meeting.date == datetime.date(2006, 9, 27)
    assert fund_statement(PAPER_DATE).as_table() == SEED_TABLE
