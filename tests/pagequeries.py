"""Shared parts of the exact query-count tests (issue 18): one world of every kind of record at a
given size, the counting helpers, and the registry of every page's query test.

`build(size)` makes one of each record a page is about (a published and a draft meeting, a paper,
an action, a year, a budget, a sub-group, an update, a report …) and then `size` rows of every kind
that grows on some page: agenda items with papers, presenters, minutes, attendance and
declarations; actions and their owners; forward-plan entries; attachments; partners and people;
venues, bodies, meetings; ledger entries, projects, external funding, budget lines; memberships
and nominees, update sections, annual reports with their sections, measures and figures. Growth
rows are made with bulk_create so that 200 of everything stays fast.

A page whose count is the same at both sizes does a fixed number of queries; one that is not has
an N+1 to fix in its view or queryset.
"""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

SIZES = (10, 200)


def client_for(role):
    """A test client signed in as a new user of `role`: "member", "coordinator" (second factor
    given), "coordinator owing the second step" (has an app, has not given a code), "coordinator
    without an app" (has yet to set one up); "anonymous" signs no one in."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import sign_in_fully
    from wkp.roles import COORDINATOR, MEMBER

    client = Client()
    if role == "anonymous":
        return client
    username = role.replace(" ", "-")
    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.org")
    user.groups.add(Group.objects.get(name=MEMBER if role == "member" else COORDINATOR))
    if role in ("member", "coordinator"):
        return sign_in_fully(client, user)
    if role == "coordinator owing the second step":
        TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    client.force_login(user)
    return client


def measure_pages(pages, size, django_assert_num_queries):
    """Each page of `pages` ({url name: (role, {kwarg: id name}, expected count)}) against one
    world of `size`: returns {url name: queries} for the pages whose count is not the expected
    one (so a failure names every page that moved, with its new count)."""
    from django.urls import reverse

    ids = build(size)
    clients = {}
    wrong = {}
    # A signed-in session is saved every SESSION_REFRESH_SECONDS (5 minutes) as well as when it
    # changes (wkp.middleware.SessionRefreshMiddleware); a loaded machine can take longer than
    # that over a table, which would add the save to whichever page came next.
    with override_settings(SESSION_REFRESH_SECONDS=24 * 3600):
        for name, (role, kwargs, expected) in pages.items():
            if role not in clients:
                clients[role] = client_for(role)
                clients[role].get(reverse("accessibility"))  # refreshes the session once
            client = clients[role]
            url = reverse(name, kwargs={key: ids[value] for key, value in kwargs.items()})
            measured = _count(client, url, expected, name, django_assert_num_queries)
            if measured is not None:
                wrong[name] = measured
    return wrong


def _count(client, url, expected, name, django_assert_num_queries):
    """None if the page made `expected` queries, else how many."""
    try:
        with django_assert_num_queries(expected, info=name) as captured:
            response = client.get(url)
    except pytest.fail.Exception:  # collected, so one run names every page that moved
        return len(captured)
    assert response.status_code == 200, name
    return None


def count_queries(client, django_assert_num_queries, url, expected, params=None):
    """Load `url` once (the first request after signing in refreshes the session), then again,
    counting: the page must answer in exactly `expected` queries. Returns the counted response."""
    assert client.get(url, params).status_code == 200  # refreshes the session once
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


def count_rendered_then_cached(
    client, django_assert_num_queries, url, rendered, cached, params=None
):
    """A page whose content is cached until its tables change: once the session is refreshed (on
    another page), the first load renders it in exactly `rendered` queries and the next serves it
    from the cache in exactly `cached`. Returns the two responses."""
    from django.urls import reverse

    client.get(reverse("accessibility"))  # refreshes the session once
    with django_assert_num_queries(rendered):
        first = client.get(url, params)
    with django_assert_num_queries(cached):
        second = client.get(url, params)
    assert first.status_code == second.status_code == 200
    return first, second


def weekly_meetings(body, size, venues=None):
    """`size` published meetings of `body`, a week apart from 7 January 2000 (the n-th at the
    n-th of `venues`, if given)."""
    from meetings.models import Meeting

    return Meeting.objects.bulk_create(
        Meeting(
            body=body,
            status=Meeting.Status.PUBLISHED,
            date=datetime.date(2000, 1, 7) + datetime.timedelta(days=7 * n),
            start_time=datetime.time(10, 0),
            venue=venues[n] if venues else None,
        )
        for n in range(size)
    )


def _grow_partners(size):
    from wkp.models import Organisation, Person, Sector

    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Partner {n}", sector=Sector.DISTRICT_COUNCIL, is_partner=True)
        for n in range(size)
    )
    # Half the people work for the first partner, so its own page grows too.
    people = Person.objects.bulk_create(
        Person(name=f"Person {n}", organisation=organisations[0 if n % 2 else n])
        for n in range(size)
    )
    return organisations, people


def grow_agenda(meeting, size, organisations=None):
    """`size` agenda items on `meeting`, each with a paper (written by the n-th of
    `organisations`, if given), and a sub-item on every third. Returns (items, papers)."""
    from meetings.models import AgendaItem, AgendaItemPaper, Paper, letter_for

    items = AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, title=f"Item {n}", position=n) for n in range(size)
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, parent=item, title=f"Sub {n}", position=0)
        for n, item in enumerate(items)
        if n % 3 == 0
    )
    papers = Paper.objects.bulk_create(
        Paper(
            meeting=meeting,
            letter=letter_for(n),
            title=f"Paper {n}",
            body_html="<p>Text</p>",
            author_organisation=organisations[n] if organisations else None,
        )
        for n in range(size)
    )
    AgendaItemPaper.objects.bulk_create(
        AgendaItemPaper(item=item, paper=paper) for item, paper in zip(items, papers, strict=True)
    )
    return items, papers


def _grow_meeting(meeting, size, people, organisations):
    """`size` agenda items on `meeting`, each with a paper, a presenter, a minute, an attendee,
    a declaration, an action with two owners and a forward-plan entry."""
    from meetings import services
    from meetings.models import (
        Action,
        AgendaItem,
        Attendance,
        Declaration,
        ForwardPlanEntry,
        MinuteEntry,
    )

    items, papers = grow_agenda(meeting, size, organisations)
    AgendaItem.presenters.through.objects.bulk_create(
        AgendaItem.presenters.through(agendaitem=item, person=person)
        for item, person in zip(items, people, strict=True)
    )
    minutes = services.minutes_for(meeting)
    MinuteEntry.objects.bulk_create(
        MinuteEntry(minutes=minutes, item=item, note=f"Discussed {n}.", decisions="Agreed.")
        for n, item in enumerate(items)
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, person=person, organisation=person.organisation)
        for person in people
    )
    Declaration.objects.bulk_create(
        Declaration(meeting=meeting, item=item, person=person, interest="A grant")
        for item, person in zip(items, people, strict=True)
    )
    first = Action.objects.filter(body=meeting.body).count() + 1
    actions = Action.objects.bulk_create(
        Action(body=meeting.body, number=first + n, meeting=meeting, item=item, description="Act")
        for n, item in enumerate(items)
    )
    Action.owner_people.through.objects.bulk_create(
        Action.owner_people.through(action=action, person=person)
        for action, person in zip(actions, people, strict=True)
    )
    Action.owner_organisations.through.objects.bulk_create(
        Action.owner_organisations.through(action=action, organisation=organisation)
        for action, organisation in zip(actions, organisations, strict=True)
    )
    ForwardPlanEntry.objects.bulk_create(
        ForwardPlanEntry(meeting=meeting, title=f"Plan {n}", owner_person=person, paper=paper)
        for n, (person, paper) in enumerate(zip(people, papers, strict=True))
    )
    return items, papers, actions, minutes


def _grow_meetings(size, body, people, organisations):
    from meetings.models import Attachment, Meeting, Venue
    from subgroups.models import Body

    venues = Venue.objects.bulk_create(Venue(name=f"Venue {n}") for n in range(size))
    Body.objects.bulk_create(
        Body(name=f"Other body {n}", kind=Body.Kind.PARTNERSHIP) for n in range(size)
    )
    weekly_meetings(body, size, venues)
    published = Meeting.objects.create(
        body=body,
        date=datetime.date(2006, 7, 14),
        start_time=datetime.time(10, 0),
        venue=venues[0],
        contact_officer=people[0],
        status=Meeting.Status.HELD,
        published_at=timezone.now(),
    )
    # Ahead of today, so that its forward-plan entries are on the forward plan.
    ahead = timezone.localdate() + datetime.timedelta(days=60)
    draft = Meeting.objects.create(body=body, date=ahead, venue=venues[1])
    items, papers, actions, minutes = _grow_meeting(published, size, people, organisations)
    draft_items, *_ = _grow_meeting(draft, size, people, organisations)
    paper = papers[0]
    Attachment.objects.bulk_create(
        Attachment(paper=paper, title=f"Annex {n}", file_name=f"annex-{n}.pdf") for n in range(size)
    )
    return {
        "published_meeting": published.pk,
        "draft_meeting": draft.pk,
        "published_item": items[0].pk,
        "draft_item": draft_items[0].pk,
        "paper": paper.pk,
        "action": actions[0].pk,
        "minute": minutes.entries.order_by("pk").first().pk,
        "forward_plan_entry": published.forward_plan.order_by("pk").first().pk,
    }


def _grow_ledger(size, organisations):
    """Two years, `size` projects led by partners, twice as many ledger entries, and a grant from
    each partner."""
    from finance.models import ExternalFunding, FinancialYear, LedgerEntry, Project

    years = [
        FinancialYear.objects.create(
            start_year=2003, kind="actual", actual_from=datetime.date(2004, 6, 30)
        ),
        FinancialYear.objects.create(start_year=2004),
    ]
    projects = Project.objects.bulk_create(
        Project(name=f"Project {n}", sort_order=n, lead_organisation=organisations[n])
        for n in range(size)
    )
    entries = LedgerEntry.objects.bulk_create(
        LedgerEntry(
            year=years[n % 2],
            kind="income" if n % 10 == 0 else "allocation",
            amount=Decimal("100.00") if n % 10 == 0 else Decimal("1.50"),
            posted_on=years[n % 2].start_date + datetime.timedelta(days=n % 300),
            description=f"Entry {n}",
            project=None if n % 10 == 0 else projects[n % size],
        )
        for n in range(2 * size)
    )
    ExternalFunding.objects.bulk_create(
        ExternalFunding(
            funder=organisation,
            name=f"Grant {n}",
            year=years[n % 2],
            amount=Decimal("10.00"),
            secured_on=datetime.date(2004, 5, 1),
        )
        for n, organisation in enumerate(organisations)
    )
    return {
        "year": years[0].start_year,
        "open_year": years[1].start_year,
        "entry": entries[1].pk,
        "project": projects[0].pk,
        "external": ExternalFunding.objects.order_by("pk").first().pk,
    }


def _grow_event_budget(size, meeting_pk):
    """An event budget for the meeting `meeting_pk`, with `size` lines."""
    from finance.models import EventBudget, EventBudgetLine

    budget = EventBudget.objects.create(
        name="Conference", event_date=datetime.date(2006, 11, 1), meeting_id=meeting_pk
    )
    lines = EventBudgetLine.objects.bulk_create(
        EventBudgetLine(budget=budget, description=f"Line {n}", estimate=Decimal("5.00"))
        for n in range(size)
    )
    return {"budget": budget.pk, "budget_line": lines[0].pk}


def _grow_subgroups(size, board, organisations, people, meeting_pk):
    """`size` sub-groups of `board`; the first with a membership and nominee for each partner,
    and `size` updates, the first with `size` sections."""
    from subgroups.models import Body, Membership, Nominee, SubGroupUpdate, UpdateSection

    subgroups = Body.objects.bulk_create(
        Body(name=f"Sub-group {n}", parent=board, position=n, lead_organisation=organisations[n])
        for n in range(size)
    )
    subgroup = subgroups[0]
    memberships = Membership.objects.bulk_create(
        Membership(subgroup=subgroup, organisation=organisation, position=n)
        for n, organisation in enumerate(organisations)
    )
    Nominee.objects.bulk_create(
        Nominee(membership=membership, person=person)
        for membership, person in zip(memberships, people, strict=True)
    )
    updates = SubGroupUpdate.objects.bulk_create(
        SubGroupUpdate(
            subgroup=subgroup,
            title=f"Update {n}",
            met_on=datetime.date(2006, 1, 1) + datetime.timedelta(days=n),
            meeting_id=meeting_pk,
        )
        for n in range(size)
    )
    UpdateSection.objects.bulk_create(
        UpdateSection(update=updates[0], heading=f"Section {n}", position=n) for n in range(size)
    )
    return {"subgroup": subgroup.pk, "membership": memberships[0].pk, "update": updates[0].pk}


def _grow_annual_reports(size, organisations):
    """A reporting body with `size` annual reports, the last with `size` sections, headline
    measures and crime figures."""
    from subgroups.models import (
        AnnualReport,
        CrimeCategory,
        CrimeFigure,
        HeadlineMeasure,
        ReportingBody,
        ReportSection,
    )

    body = ReportingBody.objects.create(
        name="Sevenoaks CSP", kind=ReportingBody.Kind.CSP, organisation=organisations[0]
    )
    reports = AnnualReport.objects.bulk_create(
        AnnualReport(body=body, title=f"Report {n}", start_year=1990 + n, end_year=1991 + n)
        for n in range(size)
    )
    report = reports[-1]
    ReportSection.objects.bulk_create(
        ReportSection(report=report, heading=f"Theme {n}", position=n) for n in range(size)
    )
    HeadlineMeasure.objects.bulk_create(
        HeadlineMeasure(report=report, percentage=Decimal("90"), noun="projects", status="green")
        for _ in range(size)
    )
    categories = list(CrimeCategory)
    CrimeFigure.objects.bulk_create(
        CrimeFigure(report=report, category=categories[n % len(categories)], count=n, position=n)
        for n in range(size)
    )
    return {"body": body.pk, "report": report.pk}


def build(size):
    """Every kind of record, `size` of each kind that grows on a page; returns their ids under
    the names the query tests use."""
    from tests.factories import BodyFactory

    organisations, people = _grow_partners(size)
    board = BodyFactory()
    ids = {"organisation": organisations[0].pk, "person": people[0].pk}
    ids |= _grow_meetings(size, board, people, organisations)
    ids |= _grow_ledger(size, organisations)
    ids |= _grow_event_budget(size, ids["published_meeting"])
    ids |= _grow_subgroups(size, board, organisations, people, ids["published_meeting"])
    ids |= _grow_annual_reports(size, organisations)
    return ids
