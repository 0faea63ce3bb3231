"""The meeting page's cached shared HTML (issue 18, meetings/fragments.py).

Never stale: for each way the page's rows are written (services, the browser editor, Django
admin, the pack and upload workers, minutes, actions, the ledger, other meetings of the body,
queryset.update(), bulk_create, raw SQL, deletes) the page is rendered and cached, the write is
made, and the next request shows it. Never across roles or viewers: a member never gets a
co-ordinator's HTML nor the reverse, and each viewer gets their own CSRF token and changes panel.
"""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance.models import Project
from meetings import services
from meetings.fragments import page_models, slot
from meetings.models import (
    Action,
    AgendaItem,
    AgendaItemPaper,
    Meeting,
    MeetingVisit,
    PackJob,
    Paper,
)
from subgroups.models import Body
from tests.conftest import MEMBER, sign_in_fully
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    OrganisationFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)
from tests.finance.factories import make_allocation, make_entry, make_year
from wkp.models import Organisation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row versions are PostgreSQL's"),
]

AGENDA_ITEMS = "meetings/partials/agenda_items.html"


@pytest.fixture
def meeting():
    meeting = MeetingFactory(
        status=Meeting.Status.PUBLISHED, date=timezone.localdate() + datetime.timedelta(days=30)
    )
    AgendaItemFactory(meeting=meeting, title="Minutes and matters arising", kind="minutes")
    item = AgendaItemFactory(meeting=meeting, title="Community safety", position=1)
    AgendaItemFactory(meeting=meeting, title="Dates of next meetings", kind="next_meetings")
    paper = PaperFactory(meeting=meeting, letter="A", title="Safety budget")
    AgendaItemPaper.objects.create(item=item, paper=paper)
    return meeting


@pytest.fixture
def item(meeting):
    return AgendaItem.objects.get(meeting=meeting, title="Community safety")


@pytest.fixture
def paper(meeting):
    return Paper.objects.get(meeting=meeting)


def page(client, meeting):
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    return response


def cached(client, meeting):
    """Render the page, then load it again and check that it came from the cache."""
    page(client, meeting)
    response = page(client, meeting)
    assert AGENDA_ITEMS not in [t.name for t in response.templates]
    return response.content.decode()


def fresh(client, meeting):
    """The next request after a write: rendered afresh (its key changed), never the old HTML."""
    response = page(client, meeting)
    assert AGENDA_ITEMS in [t.name for t in response.templates]
    return response.content.decode()


def agenda_of(html):
    return html.split('id="agenda-heading"')[1].split('id="papers-heading"')[0]


def test_an_unchanged_page_is_served_from_the_cache(member_client, meeting):
    first = page(member_client, meeting)
    assert AGENDA_ITEMS in [t.name for t in first.templates]
    html = cached(member_client, meeting)
    assert "Community safety" in html and "Safety budget" in html
    assert slot("csrf") not in html and slot("changes") not in html


# Write paths -------------------------------------------------------------------------------


def test_a_service_edit_shows_on_the_next_request(member_client, meeting, item):
    cached(member_client, meeting)
    meeting.refresh_from_db()
    services.update_item(item, version=meeting.version, title="Road safety")
    html = fresh(member_client, meeting)
    assert "Road safety" in html and "Community safety" not in html


def test_an_edit_in_the_browser_editor_shows_on_the_next_request(
    member_client, coordinator, meeting, item
):
    cached(member_client, meeting)
    presenter = PersonFactory(name="Nick Chard")
    editor = sign_in_fully(Client(), coordinator)
    meeting.refresh_from_db()
    response = editor.post(
        reverse("meetings:item_row_save", args=[item.pk]),
        {
            f"item{item.pk}-version": meeting.version,
            f"item{item.pk}-title": "Towards 2010",
            f"item{item.pk}-kind": "presentation",
            f"item{item.pk}-presenters": [presenter.pk],
            f"item{item.pk}-presenters_text": "",
        },
    )
    assert response.status_code == 302
    html = fresh(member_client, meeting)
    assert "Towards 2010 – Nick Chard" in html


def test_an_admin_edit_of_a_presenter_shows_on_the_next_request(
    member_client, admin_user, meeting, item
):
    presenter = PersonFactory(name="Nick Chard")
    item.presenters.add(presenter)
    assert "Community safety – Nick Chard" in cached(member_client, meeting)
    admin = sign_in_fully(Client(), admin_user)
    response = admin.post(
        reverse("admin:wkp_person_change", args=[presenter.pk]),
        {"name": "Nicholas Chard", "title": "", "organisation": "", "email": "", "phone": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Community safety – Nicholas Chard" in fresh(member_client, meeting)


def test_a_paper_saved_by_the_service_shows_on_the_next_request(member_client, meeting, paper):
    cached(member_client, meeting)
    paper.title = "Roads budget"
    services.save_paper(paper, version=paper.version)
    html = fresh(member_client, meeting)
    assert "Roads budget" in html and "Safety budget" not in html


def test_a_worker_updating_rows_in_bulk_shows_on_the_next_request(member_client, meeting, paper):
    """The upload worker and the pack worker write with queryset.update(): no signal, no save()."""
    cached(member_client, meeting)
    Paper.objects.filter(pk=paper.pk).update(file="papers/a.pdf", file_kind="pdf", page_count=12)
    assert "(PDF, 12 pages)" in fresh(member_client, meeting)
    PackJob.objects.create(meeting=meeting, status=PackJob.Status.QUEUED)
    cached(member_client, meeting)
    PackJob.objects.filter(meeting=meeting).update(status=PackJob.Status.RUNNING)
    assert "Being built:" in fresh(member_client, meeting)


def test_issuing_the_pack_shows_on_the_next_request(settings, tmp_path, member_client, meeting):
    settings.MEDIA_ROOT = tmp_path
    assert "The pack is issued when the agenda is published." in cached(member_client, meeting)
    version = services.issue_pack(meeting)
    html = fresh(member_client, meeting)
    assert f"Download the pack (PDF, version {version.number}," in html


def test_minutes_circulated_show_on_the_next_request(member_client, coordinator, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(date=timezone.localdate())
    minutes_url = reverse("meetings:minutes_detail", args=[meeting.pk])
    assert minutes_url not in cached(member_client, meeting)
    minutes = services.minutes_for(meeting)
    services.circulate_minutes(minutes, by=coordinator)
    assert minutes_url in fresh(member_client, meeting)


def test_an_action_of_an_earlier_meeting_shows_under_matters_arising(
    member_client, coordinator, meeting
):
    earlier = MeetingFactory(
        body=meeting.body, status=Meeting.Status.HELD, date=meeting.date - datetime.timedelta(60)
    )
    services.circulate_minutes(services.minutes_for(earlier), by=coordinator)
    assert "Outstanding actions" not in cached(member_client, meeting)
    action = services.add_action(earlier, description="Write to the police", owner_text="NC")
    assert "Write to the police" in fresh(member_client, meeting)
    cached(member_client, meeting)
    Action.objects.filter(pk=action.pk).update(status=Action.Status.DONE)
    assert "Write to the police" not in fresh(member_client, meeting)


def test_a_new_meeting_and_a_venue_renamed_show_under_next_meetings(member_client, meeting):
    assert "No further meetings are scheduled yet." in cached(member_client, meeting)
    venue = VenueFactory(name="Tonbridge Castle")
    MeetingFactory(body=meeting.body, venue=venue, date=meeting.date + datetime.timedelta(90))
    assert "Tonbridge Castle" in fresh(member_client, meeting)
    cached(member_client, meeting)
    venue.name = "Sevenoaks Town Council"
    venue.save()
    assert "Sevenoaks Town Council" in fresh(member_client, meeting)


def test_an_allocation_and_its_reversal_show_on_the_next_request(member_client, meeting, item):
    cached(member_client, meeting)
    year = make_year(2006)
    project = Project.objects.create(name="Youth Diversion")
    entry = make_allocation(year, project, "800", "Leaflets", meeting=meeting, item=item)
    assert "£800.00 to Youth Diversion: Leaflets" in fresh(member_client, meeting)
    cached(member_client, meeting)
    make_entry(year, "allocation", "-800", project=project, reverses=entry)
    assert "Leaflets (since reversed)" in fresh(member_client, meeting)
    cached(member_client, meeting)
    Project.objects.filter(pk=project.pk).update(name="Youth Inclusion")
    assert "to Youth Inclusion: Leaflets" in fresh(member_client, meeting)


def test_bulk_create_raw_sql_and_deletes_show_on_the_next_request(member_client, meeting, item):
    cached(member_client, meeting)
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meeting, title="Any other business", position=9)]
    )
    assert "Any other business" in fresh(member_client, meeting)
    cached(member_client, meeting)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE meetings_meeting SET title = %s WHERE id = %s",
            ["Extraordinary Board", meeting.pk],
        )
    assert "<h1>Extraordinary Board</h1>" in fresh(member_client, meeting)
    cached(member_client, meeting)
    AgendaItemPaper.objects.filter(item=item).delete()
    assert "Paper A" not in agenda_of(fresh(member_client, meeting))


def test_a_new_day_renders_afresh(member, meeting):
    """The page says "overdue" and "Record the meeting" by the date: the key holds today."""
    london = zoneinfo.ZoneInfo("Europe/London")
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 23, 50, tzinfo=london)):
        client.force_login(member)
        cached(client, meeting)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 0, 5, tzinfo=london)):
        fresh(client, meeting)


# Roles and viewers -------------------------------------------------------------------------


def test_a_member_never_gets_a_coordinators_html_nor_the_reverse(
    client, coordinator, member, meeting, paper
):
    Paper.objects.filter(pk=paper.pk).update(status=Paper.Status.WITHDRAWN)
    editor = sign_in_fully(Client(), coordinator)
    client.force_login(member)
    for _ in range(2):  # rendered, then from the cache, for each role in turn
        html = page(editor, meeting).content.decode()
        assert "Safety budget" in html and "Edit agenda" in html
        html = page(client, meeting).content.decode()
        assert "Safety budget" not in html and "Edit agenda" not in html
    # And in the other order, on a new page version: the member first.
    Paper.objects.filter(pk=paper.pk).update(title="Withdrawn budget")
    for _ in range(2):
        html = page(client, meeting).content.decode()
        assert "Withdrawn budget" not in html and "Edit agenda" not in html
        html = page(editor, meeting).content.decode()
        assert "Withdrawn budget" in html and "Edit agenda" in html


def test_a_draft_agenda_is_never_shown_to_a_member(client, coordinator, member, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.DRAFT)
    editor = sign_in_fully(Client(), coordinator)
    assert "Community safety" in cached(editor, meeting)
    client.force_login(member)
    response = client.get(meeting.get_absolute_url())
    assert "Community safety" not in response.content.decode()


def test_each_viewer_gets_their_own_csrf_token_and_changes(client, member, make_user, meeting):
    other = make_user("other", MEMBER)
    MeetingVisit.objects.create(
        user=member, meeting=meeting, seen_at=timezone.now() - datetime.timedelta(days=1)
    )
    mine = Client(enforce_csrf_checks=True)
    mine.force_login(member)
    theirs = Client(enforce_csrf_checks=True)
    theirs.force_login(other)
    page(theirs, meeting)
    mine_html, theirs_html = cached(mine, meeting), cached(theirs, meeting)
    assert "Changed since you last looked" in mine_html
    assert "Changed since you last looked" not in theirs_html
    token = re.search(r'data-csrf="([^"]+)"', mine_html).group(1)
    assert f'name="csrfmiddlewaretoken" value="{token}"' in mine_html
    response = mine.post(
        reverse("meetings:meeting_seen", args=[meeting.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # the token in the cached page is this viewer's own
    response = theirs.post(
        reverse("meetings:meeting_seen", args=[meeting.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403


def test_renaming_an_organisation_a_body_and_adding_an_owner_show_on_the_next_request(
    member_client, coordinator, meeting, paper
):
    organisation = OrganisationFactory(name="Kent Police", short_name="")
    Paper.objects.filter(pk=paper.pk).update(author_organisation=organisation)
    earlier = MeetingFactory(
        body=meeting.body, status=Meeting.Status.HELD, date=meeting.date - datetime.timedelta(60)
    )
    services.circulate_minutes(services.minutes_for(earlier), by=coordinator)
    action = services.add_action(earlier, description="Write to the police", owner_text="NC")
    Meeting.objects.filter(pk=meeting.pk).update(title="")
    assert "Kent Police" in cached(member_client, meeting)
    Organisation.objects.filter(pk=organisation.pk).update(short_name="KP")
    assert "<td>KP</td>" in fresh(member_client, meeting)
    cached(member_client, meeting)
    Body.objects.filter(pk=meeting.body_id).update(name="Community Safety Board")
    assert "<h1>Community Safety Board Meeting</h1>" in fresh(member_client, meeting)
    cached(member_client, meeting)
    action.owner_people.add(PersonFactory(name="Nick Chard"))
    assert "Nick Chard, NC" in fresh(member_client, meeting)


# Tables read per viewer, outside the shared HTML.
PER_VIEWER = {
    "django_session",
    "auth_user",
    "auth_user_groups",
    "auth_group",
    "auth_permission",
    "auth_user_user_permissions",
    "auth_group_permissions",
    "django_content_type",
    "meetings_meetingvisit",
    "otp_totp_totpdevice",  # the second factor of a co-ordinator's session
}


def test_every_table_the_shared_html_reads_is_in_its_key(member_client, coordinator, meeting):
    """The key can only miss a write if the page reads a table the versions do not list: a
    new query added to the page without its table in meetings/fragments.py fails here."""
    earlier = MeetingFactory(
        body=meeting.body, status=Meeting.Status.HELD, date=meeting.date - datetime.timedelta(60)
    )
    services.circulate_minutes(services.minutes_for(earlier), by=coordinator)
    services.add_action(earlier, description="Write to the police", owner_text="NC")
    project = Project.objects.create(name="Youth Diversion")
    make_entry(make_year(2006), "allocation", "800", project=project, meeting=meeting)
    for client in (member_client, sign_in_fully(Client(), coordinator)):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            fresh(client, meeting)
        read = set()
        for query in queries.captured_queries:
            read |= set(re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"]))
        keyed = {model._meta.db_table for model in page_models()}
        assert "meetings_agendaitem" in read and "finance_ledgerentry" in read
        assert read - PER_VIEWER <= keyed, read - PER_VIEWER - keyed
