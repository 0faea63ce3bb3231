"""Every edit form of every app, opened in Chromium on a demo record and saved unchanged, changes
nothing: no column of any table (history included) differs afterwards.

The edit pages are derived from the URL patterns (every name ending in `_edit` or `_update`,
plus the notice preferences), so a new edit page without a case here fails the suite, as a new
URL without a row fails the permission matrix. Before the shared ISO date widget
(wkp/widgets.py), the meeting, paper and action forms failed here: the browser showed their
en-GB dates as empty boxes, and saving refused the form or wiped the date.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from finance.models import EventBudgetLine, ExternalFunding, FinancialYear, Project
from meetings import services
from meetings.models import (
    AgendaItem,
    Attendance,
    Declaration,
    ForwardPlanEntry,
    Meeting,
    NoticePreference,
    Paper,
)
from subgroups.models import AnnualReport, Body, Membership, ReportingBody, SubGroupUpdate
from tests.conftest import PASSWORD
from tests.urlcrawl import _walk
from wkp.models import Person
from wkp.roles import COORDINATOR

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Tables that a sign-in or a page view may write to, and that no form edits.
NOT_COMPARED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}

# Pages whose name says "edit" but which edit no one record: the agenda editor is a page of
# many small forms, each covered by its own edit page (item_edit, paper_edit).
NOT_RECORD_FORMS = {"meetings:agenda_edit"}


def edit_page_names():
    from django.urls import get_resolver

    names = set()
    for _route, name, _pattern in _walk(get_resolver().url_patterns):
        if name and re.search(r"_(edit|update)$", name):
            names.add(name)
    return (names | {"meetings:notice_preferences"}) - NOT_RECORD_FORMS


def demo_records():
    """The demo meeting of 14 July 2006, with the records the fixtures do not hold."""
    call_command("load_demo", "--no-users")
    meeting = Meeting.objects.get(date=datetime.date(2006, 7, 14))
    items = list(AgendaItem.objects.live().filter(meeting=meeting).order_by("position", "pk"))
    person = Person.objects.order_by("pk").first()
    minutes = services.minutes_for(meeting)
    services.save_minutes(
        minutes,
        version=minutes.version,
        entries={items[0]: ("Matters arising were noted.", "Agreed")},
    )
    Attendance.objects.create(meeting=meeting, person=person, role=Attendance.Role.ATTENDED)
    Declaration.objects.create(meeting=meeting, item=items[1], person=person, interest="Trustee")
    month_action = services.add_action(
        meeting,
        description="Circulate the work plan",
        owner_people=[person],
        owner_text="JW / RB",
        target_date=datetime.date(2006, 9, 1),
        target_is_month=True,
        number=48,
    )
    day_action = services.add_action(
        meeting,
        description="Reply to Kent Prospects",
        owner_people=[person],
        target_date=datetime.date(2006, 9, 15),
    )
    later = Meeting.objects.filter(date__gt=meeting.date).order_by("date").first()
    entry = ForwardPlanEntry.objects.create(
        meeting=later, title="Annual report", owner_person=person, clear_days=10
    )
    return {
        "meeting": meeting,
        "item": items[1],
        "papers": list(Paper.objects.live().filter(meeting=meeting).order_by("letter")),
        "actions": [month_action, day_action],
        "entry": entry,
    }


def cases(world):
    """URL name → list of (label, URL) to open and save unchanged."""
    meeting = world["meeting"]
    items = AgendaItem.objects.live().filter(meeting=meeting)
    # URL name → (label, URL argument) of each record to open.
    records = {
        "meetings:meeting_edit": [("14 July 2006", meeting.pk)],
        "meetings:item_edit": [
            (f"item {item.title}", item.pk)
            for item in items.exclude(presenters=None, scheduled_time=None)[:3]
        ]
        + [("item 2", world["item"].pk)],
        "meetings:paper_edit": [(f"{p.label} {p.title}", p.pk) for p in world["papers"]],
        "meetings:minutes_edit": [("minutes", meeting.pk)],
        "meetings:action_edit": [(f"action {a.number}", a.pk) for a in world["actions"]],
        "meetings:forward_plan_edit": [("entry", world["entry"].pk)],
        "finance:financialyear_update": [
            (year.label, year.start_year) for year in FinancialYear.objects.filter(is_closed=False)
        ],
        "finance:project_update": [(p.name, p.pk) for p in Project.objects.all()],
        "finance:externalfunding_update": [(f.name, f.pk) for f in ExternalFunding.objects.all()],
        "finance:eventbudgetline_update": [
            (line.description, line.pk) for line in EventBudgetLine.objects.all()
        ],
        "subgroups:body_edit": [(body.name, body.pk) for body in Body.objects.all()],
        "subgroups:membership_edit": [(str(m), m.pk) for m in Membership.objects.all()[:3]],
        "subgroups:update_edit": [(u.title, u.pk) for u in SubGroupUpdate.objects.all()],
        "subgroups:reportingbody_edit": [(b.name, b.pk) for b in ReportingBody.objects.all()],
        "subgroups:annualreport_edit": [(r.title, r.pk) for r in AnnualReport.objects.all()],
    }
    pages = {
        name: [(label, reverse(name, args=[arg])) for label, arg in found]
        for name, found in records.items()
    }
    pages["meetings:notice_preferences"] = [("preferences", reverse("meetings:notice_preferences"))]
    return pages


def compared_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in NOT_COMPARED
    ]


def table_digests(models):
    """A digest of each table's rows, all tables in one query (PostgreSQL), or None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    parts = [
        f"SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
        f"FROM {connection.ops.quote_name(model._meta.db_table)} t"
        for model in models
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), [m._meta.label_lower for m in models])
        return dict(cursor.fetchall())


class Snapshot:
    """Every row of every table (history and many-to-many tables included), by table. Taken
    again after each form, it reads again only the tables whose digest moved: reading all
    of them after each of 55 forms was a fifth of this test's time."""

    def __init__(self):
        self.models = compared_models()
        self.digests = None
        self.rows = {}

    def take(self):
        digests = table_digests(self.models)
        rows = dict(self.rows)
        for model in self.models:
            label = model._meta.label_lower
            if digests is None or self.digests is None or digests[label] != self.digests[label]:
                rows[label] = list(model.objects.order_by("pk").values())
        self.digests, self.rows = digests, rows
        return rows


def differences(before, after):
    found = []
    for label, rows in before.items():
        if rows != after[label]:
            old = {row["id"] if "id" in row else str(row): row for row in rows}
            new = {row["id"] if "id" in row else str(row): row for row in after[label]}
            for key in sorted(set(old) | set(new), key=str):
                if old.get(key) != new.get(key):
                    found.append(f"{label} {key}: {old.get(key)} → {new.get(key)}")
    return found


def submit_unchanged(page, url):
    """Open the page and press its form's main button, touching nothing."""
    page.goto(url)
    page.locator("main form[method=post] [type=submit].btn-primary").first.click()
    page.wait_for_load_state("load")


def test_every_edit_form_round_trips_unchanged(page, live_server, sign_in, make_user):
    world = demo_records()
    NoticePreference.objects.create(
        user=make_user("coordinator", COORDINATOR), frequency=NoticePreference.Frequency.DIGEST
    )
    sign_in(page, "coordinator", PASSWORD)
    all_cases = cases(world)
    assert set(all_cases) == edit_page_names(), "an edit page has no round-trip case"

    problems = []
    opened = 0
    snapshot = Snapshot()
    after = snapshot.take()
    for name, entries in sorted(all_cases.items()):
        assert entries, f"no demo record to open {name} on"
        for label, url in entries:
            before = after  # nothing runs between one form's check and the next form
            submit_unchanged(page, live_server.url + url)
            opened += 1
            after = snapshot.take()
            errors = page.locator(".invalid-feedback, .errorlist, #error-summary, .alert-danger")
            if errors.count():
                problems.append(f"{name} ({label}): refused: {errors.all_inner_texts()}")
                continue
            said = page.locator(".alert-info, .alert-success").all_inner_texts()
            if page.url.endswith(url) and not said:
                problems.append(f"{name} ({label}): stayed on the form and said nothing")
            changed = differences(before, after)
            if changed:
                problems.append(f"{name} ({label}) changed:\n    " + "\n    ".join(changed[:8]))
    print(f"round trip: {opened} forms on {len(all_cases)} edit pages")
    assert not problems, "\n".join(problems)


def test_round_trip_keeps_a_month_target_and_decimal_money(page, live_server, sign_in, make_user):
    """The values most easily lost: a month target, a fund-report date, a budget line."""
    world = demo_records()
    make_user("coordinator", COORDINATOR)
    sign_in(page, "coordinator", PASSWORD)
    action = world["actions"][0]
    page.goto(live_server.url + reverse("meetings:action_edit", args=[action.pk]))
    assert page.get_by_label("Target").input_value() == "September 2006"
    paper_b = next(p for p in world["papers"] if p.fund_report_as_of)
    page.goto(live_server.url + reverse("meetings:paper_edit", args=[paper_b.pk]))
    field = page.get_by_label("Include the WKP financial report as of")
    assert field.input_value() == paper_b.fund_report_as_of.isoformat()
    line = EventBudgetLine.objects.order_by("pk").first()
    page.goto(live_server.url + reverse("finance:eventbudgetline_update", args=[line.pk]))
    assert Decimal(page.get_by_label("Estimate (£)").input_value()) == line.estimate
