"""The demo data plus one object of each kind that a role may or may not see.

`build_world()` loads the demo (14 July 2006 published with pack v1; later meetings draft) and
adds a withdrawn, a deleted and a draft-meeting paper, an uploaded PDF with an attachment file,
and users for every role, including a deactivated member.
"""

import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import sign_in_fully
from wkp.roles import COORDINATOR, MEMBER

PASSWORD = "correct-horse-battery-staple-42"
ROLES = ("anonymous", "member", "coordinator", "admin", "deactivated")


def tiny_pdf(text="A small paper", pages=1):
    """A valid PDF made with pikepdf (fast: no WeasyPrint)."""
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    for page in pdf.pages:
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# Words recorded only on drafts (issue 16, "draft stays draft"): no member may ever read them.
DRAFT_SECRETS = {
    "action on a draft meeting": "Quokkaplanning",
    "action on draft minutes": "Wombatsurvey",
    "minute in draft minutes": "Numbatminute",
    "minute of a draft meeting (its minutes marked circulated)": "Bilbyresolved",
    "action of a draft meeting (its minutes marked circulated)": "Dunnartletter",
}


def add_draft_records(published, owner):
    """Before the published meeting: a draft meeting with an action; a held meeting whose minutes
    (with an action) are still a draft; a draft meeting whose minutes say "circulated"."""
    import datetime

    from meetings import services
    from meetings.models import AgendaItem, Meeting, Minutes

    secret = DRAFT_SECRETS
    body = published.body
    draft = Meeting.objects.create(body=body, date=datetime.date(2006, 4, 10), title="Spring")
    services.add_action(
        draft, description=f"{secret['action on a draft meeting']} the spring", owner_people=[owner]
    )
    held = Meeting.objects.create(
        body=body,
        date=datetime.date(2006, 5, 12),
        status=Meeting.Status.HELD,
        published_at=timezone.now(),
    )
    item = AgendaItem.objects.create(meeting=held, title="Budget", position=0)
    minutes = services.minutes_for(held)
    services.save_minutes(
        minutes,
        version=minutes.version,
        entries={item: (f"{secret['minute in draft minutes']} discussed.", "")},
    )
    services.add_action(
        held, description=f"{secret['action on draft minutes']} the budget", owner_people=[owner]
    )
    circulated = Meeting.objects.create(body=body, date=datetime.date(2006, 6, 9))
    item = AgendaItem.objects.create(meeting=circulated, title="Housing", position=0)
    minutes = services.minutes_for(circulated)
    services.save_minutes(
        minutes,
        version=minutes.version,
        entries={
            item: (
                "",
                f"RESOLVED {secret['minute of a draft meeting (its minutes marked circulated)']}",
            )
        },  # noqa: E501
    )
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.CIRCULATED)
    services.add_action(
        circulated,
        description=f"{secret['action of a draft meeting (its minutes marked circulated)']} sent",
        owner_people=[owner],
    )
    return {
        "earlier_draft_meeting": draft.pk,
        "held_meeting_draft_minutes": held.pk,
        "draft_meeting_circulated_minutes": circulated.pk,
        "draft_action": draft.actions.get().pk,
    }


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def make_user(username, group=None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def build_world():
    from finance import models as finance
    from meetings.models import AgendaItem, Attachment, CalendarToken, Meeting, Paper
    from subgroups.models import AnnualReport, Body, Membership, ReportingBody, SubGroupUpdate
    from wkp.models import Organisation, Person

    call_command("load_demo", "--no-users")
    world = World()
    world.users = {
        "member": make_user("member", MEMBER),
        "coordinator": make_user("coordinator", COORDINATOR),
        "admin": make_user("admin", is_staff=True, is_superuser=True),
        "deactivated": make_user("deactivated", MEMBER, is_active=False),
    }
    published = Meeting.objects.get(pk=1)
    draft = Meeting.objects.filter(status=Meeting.Status.DRAFT).order_by("pk").first()
    withdrawn = Paper.objects.create(
        meeting=published, title="Withdrawn paper", letter="L", status=Paper.Status.WITHDRAWN
    )
    deleted = Paper.objects.create(
        meeting=published, title="Deleted paper", deleted_at=timezone.now()
    )
    draft_paper = Paper.objects.create(meeting=draft, title="Draft paper", body_html="<p>x</p>")
    filed = Paper.objects.create(meeting=published, title="Uploaded paper", letter="M")
    filed.file.save("paper.pdf", ContentFile(tiny_pdf()), save=False)
    filed.file_kind, filed.file_name, filed.page_count = "pdf", "uploaded.pdf", 1
    filed.file_checked_at = timezone.now()  # as if checked at upload (meetings/uploads.py)
    filed.save()

    def add_pdf_attachment(paper, title, file_name):
        attachment = Attachment.objects.create(
            paper=paper,
            title=title,
            file_name=file_name,
            content_type="application/pdf",
            file_checked_at=timezone.now(),
        )
        attachment.file.save("attachment.pdf", ContentFile(tiny_pdf(title)))
        return attachment

    attachment = add_pdf_attachment(filed, "Annex", "annex.pdf")
    draft_attachment = add_pdf_attachment(draft_paper, "Draft annex", "d.pdf")
    token = CalendarToken.objects.create(user=world.users["member"], token="t" * 40)
    year = finance.FinancialYear.objects.order_by("start_year").first()
    owner = Person.objects.order_by("pk").first()
    # The member's own actions ("my actions"); no history row, so admin pages stay as they were.
    Person.objects.filter(pk=owner.pk).update(user=world.users["member"])
    drafts = add_draft_records(published, owner)
    world.ids = {
        **drafts,
        "published_meeting": published.pk,
        "draft_meeting": draft.pk,
        "pack_number": published.pack_versions.first().number,
        "published_item": AgendaItem.objects.filter(meeting=published).first().pk,
        "draft_item": AgendaItem.objects.filter(meeting=draft).first().pk
        if AgendaItem.objects.filter(meeting=draft).exists()
        else AgendaItem.objects.create(meeting=draft, title="Draft item", position=0).pk,
        "paper": Paper.objects.get(meeting=published, letter="A").pk,
        "withdrawn_paper": withdrawn.pk,
        "deleted_paper": deleted.pk,
        "draft_paper": draft_paper.pk,
        "filed_paper": filed.pk,
        "attachment": attachment.pk,
        "draft_attachment": draft_attachment.pk,
        "token": token.token,
        "year": year.start_year,
        "entry": finance.LedgerEntry.objects.order_by("pk").first().pk,
        "project": finance.Project.objects.order_by("pk").first().pk,
        "budget": finance.EventBudget.objects.order_by("pk").first().pk,
        "budget_line": finance.EventBudgetLine.objects.order_by("pk").first().pk,
        "external": finance.ExternalFunding.objects.order_by("pk").first().pk,
        "subgroup": Body.objects.order_by("pk").first().pk,
        "membership": Membership.objects.order_by("pk").first().pk,
        "update": SubGroupUpdate.objects.order_by("pk").first().pk,
        "body": ReportingBody.objects.order_by("pk").first().pk,
        "report": AnnualReport.objects.order_by("pk").first().pk,
        "organisation": Organisation.objects.order_by("pk").first().pk,
        "person": Person.objects.order_by("pk").first().pk,
    }
    return world


def client_for(role, world):
    from django.test import Client

    client = Client()
    if role != "anonymous":
        sign_in_fully(client, world.users[role])
    return client
