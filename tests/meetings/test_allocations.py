"""Decisions and money both ways: an allocation links to the item and minute that approved it,
and the meeting page, the minutes and the minutes PDF list the allocations approved there."""

import io
from decimal import Decimal

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from finance.models import LedgerEntry, Project
from meetings import services
from meetings.models import Meeting, MinuteEntry
from tests.factories import AgendaItemFactory, MeetingFactory
from tests.finance.factories import make_allocation, make_year

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]


@pytest.fixture
def decision(coordinator):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    AgendaItemFactory(meeting=meeting, title="Apologies", position=0)
    bids = AgendaItemFactory(meeting=meeting, title="Bid Appraisal", position=1)
    year = make_year(2006)
    project = Project.objects.create(name="Youth Diversion")
    allocation = make_allocation(
        year, project, "12345.50", "Summer activities", meeting=meeting, item=bids
    )
    make_allocation(year, project, "800", "Leaflets", meeting=meeting)
    minutes = services.minutes_for(meeting)
    MinuteEntry.objects.create(
        minutes=minutes, item=bids, decisions="RESOLVED that the bid be approved."
    )
    services.circulate_minutes(minutes, by=coordinator)
    return meeting, bids, allocation


def text_of(html, element_id):
    document = lxml.html.document_fromstring(html)
    (element,) = document.get_element_by_id(element_id).xpath(".")
    return " ".join(element.text_content().split())


def test_the_ledger_links_an_allocation_to_its_item_and_minute(member_client, decision):
    meeting, item, allocation = decision
    page = member_client.get(reverse("finance:financialyear_detail", args=[2006])).text
    document = lxml.html.document_fromstring(page)
    links = {a.text_content(): a.get("href") for a in document.iter("a")}
    assert links["Bid Appraisal"] == f"/meetings/{meeting.pk}/#agenda-item-{item.pk}"
    assert links["minute"] == f"/meetings/{meeting.pk}/minutes/#minute-{item.pk}"
    (meeting_link,) = [text for text in links if text.startswith("the meeting of ")]
    assert links[meeting_link] == f"/meetings/{meeting.pk}/"


def test_an_allocation_cited_at_a_draft_meeting_shows_members_nothing_of_its_agenda(
    member, coordinator_client
):
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    item = AgendaItemFactory(meeting=draft, title="Budget cuts under discussion")
    project = Project.objects.create(name="Youth Diversion")
    make_allocation(make_year(2006), project, "500", "Holiday club", meeting=draft, item=item)
    url = reverse("finance:financialyear_detail", args=[2006])

    reader = Client()
    reader.force_login(member)
    page = reader.get(url).text
    assert "Holiday club" in page
    assert "Budget cuts under discussion" not in page
    assert f"/meetings/{draft.pk}/" not in page
    # Co-ordinators, who can open the draft, still see where it was approved.
    page = coordinator_client.get(url).text
    assert "Budget cuts under discussion" in page and f"/meetings/{draft.pk}/" in page


def test_the_meeting_page_lists_the_allocations_under_the_item(member_client, decision):
    meeting, item, _ = decision
    page = member_client.get(meeting.get_absolute_url()).text
    assert "£12,345.50 to Youth Diversion: Summer activities" in text_of(
        page, f"agenda-item-{item.pk}"
    )
    assert "Leaflets" not in text_of(page, f"agenda-item-{item.pk}")


def test_the_minutes_and_their_pdf_list_the_allocations_approved(member_client, decision):
    meeting, item, allocation = decision
    page = member_client.get(reverse("meetings:minutes_detail", args=[meeting.pk])).text
    minute = text_of(page, f"minute-{item.pk}")
    assert "RESOLVED that the bid be approved." in minute
    assert "Allocations approved £12,345.50 to Youth Diversion: Summer activities" in minute
    assert "£800.00 to Youth Diversion: Leaflets" in " ".join(page.split())

    response = member_client.get(reverse("meetings:minutes_pdf", args=[meeting.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "£12,345.50 to Youth Diversion: Summer activities" in text
    assert "£800.00 to Youth Diversion: Leaflets" in text


def test_a_reversed_allocation_is_shown_as_reversed(member_client, decision):
    meeting, item, allocation = decision
    LedgerEntry.objects.create(
        year=allocation.year,
        kind="allocation",
        amount=Decimal("-12345.50"),
        posted_on=allocation.posted_on,
        description="Reversal",
        project=allocation.project,
        reverses=allocation,
    )
    page = member_client.get(meeting.get_absolute_url()).text
    assert "Summer activities (since reversed)" in text_of(page, f"agenda-item-{item.pk}")
    assert "Reversal" not in page


def test_finance_never_imports_meetings():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "finance"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [(path.name, n) for n in names if n.split(".")[0] == "meetings"]
    assert offenders == []


def test_the_demo_meeting_shows_the_ssky_allocation_under_its_bid_appraisal(member_client):
    from django.core.management import call_command

    call_command("load_demo", "--no-users")
    entry = LedgerEntry.objects.get(meeting_id=1, agenda_item__isnull=False)
    page = member_client.get(reverse("meetings:meeting_detail", args=[1])).text
    assert (
        f"£10,000.00 to {entry.project.name}: Ssky Project (bid appraisal, 14 July 2006)"
        in text_of(page, f"agenda-item-{entry.agenda_item_id}")
    )
