import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.models import (
    EventBudget,
    EventBudgetLine,
    ExternalFunding,
    FinancialYear,
    LedgerEntry,
    Project,
    YearReopening,
)
from finance.reports import fund_statement

from .factories import make_entry, make_year

ENTRY_URL = reverse("finance:ledgerentry_create")


@pytest.fixture
def fund(db):
    """2005/6 actual (closed) and 2006/7 projected with £55,971 available for projects."""
    closed = make_year(2005, "actual", is_closed=True)
    make_entry(closed, "income", "41671")
    year = make_year(2006)
    make_entry(year, "income", "55000")
    make_entry(year, "overhead", "30700")
    project = Project.objects.create(name="Ssky Project")
    make_entry(year, "allocation", "10000", project=project)
    return {"closed": closed, "year": year, "project": project}


def entry_data(fund, **overrides):
    data = {
        "year": fund["year"].pk,
        "kind": "allocation",
        "posted_on": "2006-07-14",
        "amount": "5000.00",
        "description": "New grant",
        "project": fund["project"].pk,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_ledgerentry_create_posts_an_allocation_within_the_funds(fund, coordinator_client):
    response = coordinator_client.post(ENTRY_URL, entry_data(fund))

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(description="New grant")
    assert entry.amount == Decimal("5000.00")
    assert entry.recorded_by.username == "coordinator"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-100", "Enter an amount greater than zero"),
        ("0", "Enter an amount greater than zero"),
        ("NaN", "not NaN or infinity"),
        ("Infinity", "not NaN or infinity"),
        ("1,000.00", "without commas"),
        ("0.005", "no more than two decimal places"),
        ("", "This field is required"),
    ],
)
@pytest.mark.django_db
def test_ledgerentry_create_refuses_bad_amounts_and_saves_nothing(
    fund, coordinator_client, amount, message
):
    before = LedgerEntry.objects.count()

    response = coordinator_client.post(ENTRY_URL, entry_data(fund, amount=amount))

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert LedgerEntry.objects.count() == before


@pytest.mark.django_db
def test_ledgerentry_create_refuses_an_entry_in_a_closed_year(fund, coordinator_client):
    data = entry_data(fund, year=fund["closed"].pk, kind="income", project="")
    data["posted_on"] = "2005-06-01"

    response = coordinator_client.post(ENTRY_URL, data)

    assert response.status_code == 200
    assert "2005/6 is closed: its ledger is read-only." in response.content.decode()
    assert not LedgerEntry.objects.filter(description="New grant").exists()


@pytest.mark.django_db
def test_ledgerentry_create_refuses_a_date_outside_the_year(fund, coordinator_client):
    response = coordinator_client.post(ENTRY_URL, entry_data(fund, posted_on="2007-04-01"))

    assert response.status_code == 200
    assert "The date must fall within 2006/7" in response.content.decode()
    assert not LedgerEntry.objects.filter(description="New grant").exists()


@pytest.mark.django_db
def test_ledgerentry_create_names_the_shortfall_of_an_allocation_beyond_the_funds(
    fund, coordinator_client
):
    response = coordinator_client.post(ENTRY_URL, entry_data(fund, amount="60000.00"))

    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert "take 2006/7's projects £4,029 beyond the funds available (£55,971 available)" in html
    assert not LedgerEntry.objects.filter(description="New grant").exists()


@pytest.mark.django_db
def test_ledgerentry_create_accepts_an_override_and_records_why(fund, coordinator_client):
    data = entry_data(
        fund, amount="60000.00", override="on", override_reason="Board agreed 14 July"
    )

    response = coordinator_client.post(ENTRY_URL, data)

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(description="New grant")
    assert entry.override_reason == "Board agreed 14 July"
    statement = fund_statement(datetime.date(2006, 7, 14))
    assert statement.figures[-1].available == Decimal("-4029.00")


@pytest.mark.django_db
def test_ledgerentry_create_override_without_a_reason_is_refused(fund, coordinator_client):
    response = coordinator_client.post(
        ENTRY_URL, entry_data(fund, amount="60000.00", override="on")
    )

    assert response.status_code == 200
    assert "Say why the override is needed." in response.content.decode()


@pytest.mark.django_db
def test_ledgerentry_create_allocation_needs_a_project(fund, coordinator_client):
    response = coordinator_client.post(ENTRY_URL, entry_data(fund, project=""))

    assert response.status_code == 200
    assert "Choose the project this allocation is for." in response.content.decode()


@pytest.mark.django_db
def test_ledgerentry_correct_reverses_the_original_and_posts_the_replacement(
    fund, coordinator_client
):
    original = LedgerEntry.objects.get(kind="allocation")
    url = reverse("finance:ledgerentry_correct", args=[original.pk])

    response = coordinator_client.post(
        url,
        {
            "posted_on": "2006-07-20",
            "amount": "12000.00",
            "description": "Ssky Project (corrected)",
            "project": fund["project"].pk,
        },
    )

    assert response.status_code == 302
    reversal = LedgerEntry.objects.get(reverses=original)
    assert reversal.amount == Decimal("-10000.00")
    replacement = LedgerEntry.objects.get(replaces=original)
    assert replacement.amount == Decimal("12000.00")
    assert replacement.kind == "allocation"
    assert fund_statement(datetime.date(2006, 7, 19)).figures[-1].allocated == 10000
    assert fund_statement(datetime.date(2006, 7, 20)).figures[-1].allocated == 12000


@pytest.mark.django_db
def test_ledgerentry_reverse_cancels_an_entry_once(fund, coordinator_client):
    original = LedgerEntry.objects.get(kind="allocation")
    url = reverse("finance:ledgerentry_reverse", args=[original.pk])
    data = {"posted_on": "2006-08-01", "reason": "Withdrawn"}

    first = coordinator_client.post(url, data)
    second = coordinator_client.post(url, data)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "already been reversed" in second.content.decode()
    assert LedgerEntry.objects.filter(reverses=original).count() == 1
    assert fund_statement(datetime.date(2006, 8, 1)).figures[-1].allocated == 0


@pytest.mark.django_db
def test_ledgerentry_history_records_who_posted_and_reversed(fund, coordinator_client):
    coordinator_client.post(ENTRY_URL, entry_data(fund))
    entry = LedgerEntry.objects.get(description="New grant")
    coordinator_client.post(
        reverse("finance:ledgerentry_reverse", args=[entry.pk]),
        {"posted_on": "2006-08-01", "reason": "Withdrawn"},
    )

    records = list(entry.history.all())
    reversal_records = list(LedgerEntry.objects.get(reverses=entry).history.all())

    assert [r.history_type for r in records] == ["+"]
    assert records[0].history_user.username == "coordinator"
    assert records[0].amount == Decimal("5000.00")
    assert reversal_records[0].history_user.username == "coordinator"
    page = coordinator_client.get(reverse("finance:ledgerentry_history", args=[entry.pk]))
    assert "Cora Ordinator" in page.content.decode()


@pytest.mark.django_db
def test_financialyear_create_refuses_a_year_out_of_sequence(fund, coordinator_client):
    response = coordinator_client.post(
        reverse("finance:financialyear_create"), {"start_year": "2009", "kind": "projected"}
    )

    assert response.status_code == 200
    assert "the next year is 2007/8, not 2009/10" in response.content.decode()
    assert not FinancialYear.objects.filter(start_year=2009).exists()


@pytest.mark.django_db
def test_financialyear_create_adds_the_next_year(fund, coordinator_client):
    response = coordinator_client.post(
        reverse("finance:financialyear_create"), {"start_year": "2007", "kind": "projected"}
    )

    assert response.status_code == 302
    assert FinancialYear.objects.get(start_year=2007).label == "2007/8"


@pytest.mark.django_db
def test_financialyear_reopen_records_who_and_why(fund, coordinator_client):
    url = reverse("finance:financialyear_reopen", args=[2005])

    response = coordinator_client.post(url, {"reason": "Late invoice from WKCVS"})

    assert response.status_code == 302
    fund["closed"].refresh_from_db()
    assert not fund["closed"].is_closed
    reopening = YearReopening.objects.get()
    assert reopening.reopened_by.username == "coordinator"
    assert reopening.reason == "Late invoice from WKCVS"
    assert fund["closed"].history.first().history_user.username == "coordinator"
    page = coordinator_client.get(reverse("finance:financialyear_detail", args=[2005]))
    assert "Late invoice from WKCVS" in page.content.decode()


@pytest.mark.django_db
def test_financialyear_close_makes_the_ledger_read_only(fund, coordinator_client):
    coordinator_client.post(reverse("finance:financialyear_close", args=[2006]))

    response = coordinator_client.post(ENTRY_URL, entry_data(fund))

    assert "2006/7 is closed" in response.content.decode()
    assert not LedgerEntry.objects.filter(description="New grant").exists()


@pytest.mark.django_db
def test_eventbudgetline_update_records_an_actual(seed_ledger, coordinator_client):
    url = reverse("finance:eventbudgetline_update", args=[2])

    response = coordinator_client.post(
        url,
        {
            "description": "Catering 200 people",
            "estimate": "3000",
            "actual": "3150.50",
            "sort_order": "20",
        },
    )

    assert response.status_code == 302
    page = coordinator_client.get(reverse("finance:eventbudget_detail", args=[1]))
    html = page.content.decode()
    assert "3151 so far" in html
    assert "£7,500" in html


def ssky_allocation_at_item_9(description, **more):
    """£1,000 more for the seed's Ssky Project (7), approved at agenda item 9."""
    data = {"year": 4, "kind": "allocation", "posted_on": "2006-07-14", "amount": "1000.00"}
    return {**data, "description": description, "project": 7, "agenda_item": 9, **more}


@pytest.mark.django_db
def test_ledgerentry_create_links_an_allocation_to_the_approving_agenda_item(
    seed_ledger, coordinator_client
):
    data = ssky_allocation_at_item_9("Ssky Project extension")

    response = coordinator_client.post(ENTRY_URL, data)

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(description="Ssky Project extension")
    assert (entry.meeting_id, entry.agenda_item_id) == (1, 9)


@pytest.mark.django_db
def test_ledgerentry_create_refuses_an_agenda_item_of_another_meeting(
    seed_ledger, coordinator_client
):
    data = ssky_allocation_at_item_9("Mismatch", meeting=2)

    response = coordinator_client.post(ENTRY_URL, data)

    assert "That agenda item belongs to a different meeting." in response.content.decode()
    assert not LedgerEntry.objects.filter(description="Mismatch").exists()


@pytest.mark.django_db
def test_financialyear_update_refuses_an_actual_year_after_a_projected_one(
    fund, coordinator_client
):
    make_year(2007)
    url = reverse("finance:financialyear_update", args=[2007])

    response = coordinator_client.post(url, {"kind": "actual", "actual_from": "2008-06-30"})

    assert response.status_code == 200
    assert "Make the earlier projected years actual first." in response.content.decode()
    assert FinancialYear.objects.get(start_year=2007).kind == "projected"


@pytest.mark.django_db
def test_financialyear_update_makes_a_year_actual_from_a_date(fund, coordinator_client):
    url = reverse("finance:financialyear_update", args=[2006])

    response = coordinator_client.post(url, {"kind": "actual", "actual_from": "2007-06-30"})

    assert response.status_code == 302
    statement = fund_statement(datetime.date(2007, 7, 1))
    assert statement.header[-2] == "2006/7 Actual"
    assert fund_statement(datetime.date(2007, 6, 29)).header[-2] == "2006/7 Projected"


@pytest.mark.django_db
def test_externalfunding_create_shows_apart_from_the_fund(fund, coordinator_client):
    from wkp.models import Organisation

    seeda = Organisation.objects.create(
        name="South East England Development Agency", short_name="SEEDA", sector="public"
    )
    data = {
        "funder": seeda.pk,
        "name": "Rural towns",
        "year": fund["year"].pk,
        "amount": "25000.00",
        "secured_on": "2006-05-01",
        "sort_order": "0",
    }

    response = coordinator_client.post(reverse("finance:externalfunding_create"), data)

    assert response.status_code == 302
    table = fund_statement(datetime.date(2006, 7, 14)).as_table()
    assert table[-2:] == [
        ["External Funding (SEEDA)", "", "", ""],
        ["Rural towns", "", "25000", ""],
    ]
    assert ["Income", "41671", "55000", "96671"] in table


@pytest.mark.django_db
def test_eventbudgetline_create_adds_to_the_estimate(seed_ledger, coordinator_client):
    url = reverse("finance:eventbudgetline_create", args=[1])

    response = coordinator_client.post(
        url, {"description": "Signage", "estimate": "250.00", "actual": "", "sort_order": "40"}
    )

    assert response.status_code == 302
    page = coordinator_client.get(reverse("finance:eventbudget_detail", args=[1]))
    assert "£7,750" in page.content.decode()


def post_venue_line(client, *, actual):
    """The seed budget's first line, edited: only its actual cost changes."""
    data = {"description": "Venue and AV equipment", "estimate": "2500", "sort_order": "10"}
    client.post(reverse("finance:eventbudgetline_update", args=[1]), {**data, "actual": actual})


@pytest.mark.django_db
def test_project_update_and_budget_line_edits_are_recorded_with_who_and_before_after(
    seed_ledger, coordinator_client
):
    coordinator_client.post(
        reverse("finance:project_update", args=[7]),
        {"name": "Ssky Project (Sevenoaks)", "description": "", "sort_order": "70"},
    )
    post_venue_line(coordinator_client, actual="2400")

    project_record = Project.objects.get(pk=7).history.first()
    line_record = EventBudgetLine.objects.get(pk=1).history.first()

    assert project_record.history_user.username == "coordinator"
    assert project_record.prev_record is None  # fixtures load without history rows
    assert project_record.name == "Ssky Project (Sevenoaks)"
    assert line_record.history_user.username == "coordinator"
    assert line_record.actual == Decimal("2400.00")
    post_venue_line(coordinator_client, actual="2450")
    latest = EventBudgetLine.objects.get(pk=1).history.first()
    changes = latest.diff_against(latest.prev_record).changes
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("actual", Decimal("2400.00"), Decimal("2450.00"))
    ]


def money_form(fund, form):
    """The URL of a form that takes money, its data without the amount, the amount's field and
    the table a posting would go to."""
    if form == "ledger entry":
        data = entry_data(fund)
        return ENTRY_URL, data, "amount", LedgerEntry
    if form == "external funding":
        from wkp.models import Organisation

        funder = Organisation.objects.create(name="SEEDA", short_name="SEEDA", sector="public")
        data = {"funder": funder.pk, "name": "Rural towns", "year": fund["year"].pk}
        data |= {"secured_on": "2006-05-01", "sort_order": "0"}
        return reverse("finance:externalfunding_create"), data, "amount", ExternalFunding
    budget = EventBudget.objects.create(name="Conference", event_date=datetime.date(2006, 10, 6))
    data = {"description": "Signage", "estimate": "250.00", "actual": "", "sort_order": "40"}
    url = reverse("finance:eventbudgetline_create", args=[budget.pk])
    return url, data, "estimate", EventBudgetLine


@pytest.mark.parametrize("digits", [26, 27, 60])
@pytest.mark.parametrize("form", ["ledger entry", "external funding", "budget line"])
@pytest.mark.django_db
def test_money_forms_refuse_an_amount_of_any_length_as_too_large(
    fund, coordinator_client, form, digits
):
    url, data, field, model = money_form(fund, form)
    before = model.objects.count()

    response = coordinator_client.post(url, {**data, field: "9" * digits})

    assert response.status_code == 200
    assert response.context["form"].errors == {field: ["That amount is too large."]}
    assert model.objects.count() == before
