"""Hostile text in every user-editable text field: every page, message, history view, admin page,
export and PDF shows it inert, and nothing crashes.
"""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from meetings.pack import build_pack, gather_pack
from tests.pdftext import pdf_text
from tests.security.test_permission_matrix import CASES, admin_cases, resolve_kwargs
from tests.security.world import build_world, client_for
from wkp.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<script>alert('XSS1')</script>",
    '"><script>alert("XSS2")</script>',
    "<img src=x onerror=alert('XSS3')>",
    "<svg onload=alert('XSS4')>",
    "<a href=\"javascript:alert('XSS5')\">click</a>",
    "<a href=' jav&#x09;ascript:alert(1)'>XSS6</a>",
    "<iframe src=\"javascript:alert('XSS7')\"></iframe>",
    "<div style=\"width: expression(alert('XSS8'))\">x</div>",
    "<style>body{background:url(javascript:alert('XSS9'))}</style>",
    "{{ 7|add:1000 }}XSSA",
    "{% now 'Y' %}XSSB",
    "{% load static %}{% debug %}XSSC",
    "\u202eXSSD gnp.exe",
    "nul\x00XSSE",
    "'; DROP TABLE meetings_meeting; --XSSF",
    "1' OR '1'='1XSSG",
    '=HYPERLINK("http://evil.example","XSSH")',
    "+cmd|' /C calc'!A0XSSI",
    "@SUM(1+1)XSSJ",
    "<body onload=alert('XSSK')>",
    "<math><mtext></p><img src=x onerror=alert('XSSL')></mtext></math>",
    "<!--<img src=\"--><img src=x onerror=alert('XSSM')//\">",
    "<base href='https://evil.example/'>XSSN",
    "<meta http-equiv='refresh' content='0;url=https://evil.example/'>XSSO",
    "%3Cscript%3Ealert('XSSP')%3C/script%3E",
    "</textarea><script>alert('XSSQ')</script>",
    "</title><script>alert('XSSR')</script>",
    "\"autofocus onfocus=alert('XSSS') x=\"",
]
LONG = "W" * 20_000 + "XSSLONG"
# PostgreSQL cannot store NUL at all; the forms refuse it ("Null characters are not allowed").
STORABLE = [attack.replace("\x00", "") for attack in ATTACKS]
PAYLOAD = " ".join(STORABLE)
EVALUATED = ("1007XSSA", "2026XSSB")  # what template syntax would print if it were evaluated

SKIPPED_FIELDS = {
    # HTML the app renders from its own escaping templates when a pack is issued (not editable).
    ("meetings", "paper", "frozen_html"),
    ("meetings", "paper", "letter"),
    ("meetings", "calendartoken", "token"),
}


def hostile_value(field, index, pk):
    if isinstance(field, models.TextField):
        value = PAYLOAD + " " + LONG if index % 3 == 0 else PAYLOAD
    else:
        rotated = STORABLE[index % len(STORABLE) :] + STORABLE[: index % len(STORABLE)]
        value = " ".join(rotated)
    suffix = f" #{pk}"
    if field.max_length:
        value = value[: field.max_length - len(suffix)]
    return value + suffix


def text_fields(model):
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        if isinstance(field, models.EmailField | models.URLField | models.SlugField):
            continue
        if field.choices or field.primary_key:
            continue
        key = (model._meta.app_label, model._meta.model_name, field.name)
        if key in SKIPPED_FIELDS or (field.name.endswith(("sha256", "fingerprint"))):
            continue
        yield field


def inject_everywhere():
    """Overwrite every free-text field of every content row with hostile text (raw, unsanitised)."""
    touched = 0
    for label in ("wkp", "meetings", "finance", "subgroups"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name.startswith("historical"):
                continue
            fields = list(text_fields(model))
            if not fields:
                continue
            for row in model._default_manager.all():
                for index, field in enumerate(fields):
                    setattr(row, field.attname, hostile_value(field, index + row.pk, row.pk))
                model._default_manager.filter(pk=row.pk).update(
                    **{f.attname: getattr(row, f.attname) for f in fields}
                )
                touched += len(fields)
    return touched


class Inspector(HTMLParser):
    DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "math"}
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            src = attrs.get("src") or ""
            if attrs.get("type") == "importmap" and attrs.get("nonce"):
                # The rich-text editor's import map: JSON (not run), allowed by the page's CSP
                # nonce; its addresses are checked in handle_data.
                self.in_importmap = True
            elif not (src.startswith("/static/") or src == "/admin/jsi18n/"):
                self.problems.append(f"inline or foreign script {attrs}")
        elif tag == "style" or tag in self.DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        elif tag == "meta" and "http-equiv" in attrs:
            self.problems.append("<meta http-equiv>")
        elif tag == "link" and not (attrs.get("href") or "").startswith("/static/"):
            self.problems.append(f"<link> {attrs}")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in self.URL_ATTRIBUTES and value:
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value[:40]}>")
            if name == "style":
                self.problems.append(f"<{tag} style=…> (CSP forbids inline styles)")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if getattr(self, "in_importmap", False):
            self.in_importmap = False
            addresses = json.loads(data)["imports"].values()
            if not all(address.startswith("/static/") for address in addresses):
                self.problems.append(f"import map outside /static/: {data[:80]}")


def inert_problems(response):
    content_type = response.get("Content-Type", "")
    if response.streaming or not content_type.startswith("text/html"):
        return []
    html = response.content.decode("utf-8", "replace")
    inspector = Inspector()
    inspector.feed(html)
    problems = list(inspector.problems)
    problems += [f"template syntax evaluated: {marker}" for marker in EVALUATED if marker in html]
    return problems


def test_hostile_text_in_every_field_is_inert_on_every_page(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    assert inject_everywhere() >= 300
    # A worker was seen just now, so /healthz answers 200 here (its 503 is tested on its own).
    WorkerHeartbeat.objects.create(name="test worker", seen_at=timezone.now())
    clients = {role: client_for(role, world) for role in ("member", "coordinator", "admin")}
    for client in clients.values():
        client.raise_request_exception = False
    rows = [
        (name, resolve_kwargs(kwargs, world))
        for name, cases in CASES.items()
        for _, kwargs, _ in cases
    ] + [(name, kwargs) for name, kwargs, _ in admin_cases(world)]
    errors, problems, pages = [], [], 0
    for name, kwargs in rows:
        path = reverse(name, kwargs=kwargs)
        for role, client in clients.items():
            if name.startswith("admin:") and role != "admin":
                continue
            response = client.get(path)
            pages += 1
            if response.status_code >= 500:
                errors.append((name, role, response.status_code))
            problems += [(name, role, p) for p in inert_problems(response)]
    assert errors == []
    assert problems == []
    assert pages >= 250


def test_hostile_text_through_the_real_forms_and_flash_messages(coordinator_client, settings):
    from tests.factories import MeetingFactory, PersonFactory

    meeting = MeetingFactory()
    PersonFactory()
    editor = reverse("meetings:agenda_edit", args=[meeting.pk])
    problems = []
    for attack in ATTACKS[:12] + ATTACKS[-6:]:
        meeting.refresh_from_db()
        response = coordinator_client.post(
            reverse("meetings:item_create", args=[meeting.pk]),
            {"title": attack[:200], "kind": "item", "description": attack,
             "presenters_text": attack[:200], "version": meeting.version},
            follow=True,
        )  # fmt: skip
        assert response.status_code == 200
        problems += inert_problems(response)
        response = coordinator_client.post(
            reverse("meetings:paper_create", args=[meeting.pk]),
            {"title": attack[:300], "status": "available", "attachment_note": attack[:200],
             "body_html": f"<p>{attack}</p>"},
            follow=True,
        )  # fmt: skip
        assert response.status_code == 200
        problems += inert_problems(response)
        response = coordinator_client.post(
            reverse("meetings:venue_create"),
            {"name": attack[:150], "address": attack, "directions": attack},
            follow=True,
        )
        assert response.status_code == 200
        problems += inert_problems(response)
    problems += inert_problems(coordinator_client.get(editor))
    assert problems == []
    assert meeting.papers.count() == 18


def test_a_rich_text_body_is_cleaned_when_saved_through_the_form(coordinator_client):
    from meetings.models import Paper
    from tests.factories import MeetingFactory

    meeting = MeetingFactory()
    coordinator_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]),
        {"title": "Body", "status": "available", "body_html": PAYLOAD},
    )
    body = Paper.objects.get().body_html
    inspector = Inspector()
    inspector.feed(body)
    assert inspector.problems == []
    assert "<script" not in body and "onerror" not in body.replace("onerror=alert", "")


def test_hostile_text_in_pdfs_and_exports_is_text_only(member_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.management import call_command

    call_command("load_demo", "--no-users")
    inject_everywhere()
    meeting = Meeting.objects.get(pk=1)
    built = build_pack(gather_pack(meeting))
    text = pdf_text(built.pdf)
    assert "XSS" in text  # the hostile text is printed as text
    for marker in EVALUATED:
        assert marker not in text
    statement = member_client.get(reverse("finance:statement_pdf"))
    assert statement.status_code == 200
    rows = list(csv.reader(io.StringIO(member_client.get("/finance/statement/csv/").text)))
    formula_cells = [c for row in rows for c in row if c[:1] in {"=", "+", "-", "@"} and "XSS" in c]
    assert formula_cells == []


def test_hostile_text_in_e_mail_notices_is_inert(
    make_user, coordinator, mailoutbox, django_capture_on_commit_callbacks, settings, tmp_path
):
    from meetings import services
    from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory

    settings.MEDIA_ROOT = tmp_path
    make_user("reader", "Member", first_name=STORABLE[0][:150], last_name=STORABLE[2][:150])
    meeting = MeetingFactory(title=" ".join(STORABLE)[:200])
    item = AgendaItemFactory(meeting=meeting, title=" ".join(STORABLE[3:])[:200])
    item.papers.add(PaperFactory(meeting=meeting, title=PAYLOAD[:300], body_html=PAYLOAD))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_agenda(meeting, version=meeting.version, by=coordinator)
    assert mailoutbox
    for message in mailoutbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        inspector = Inspector()
        inspector.feed(html)
        assert inspector.problems == []
        assert not any(marker in html + message.body for marker in EVALUATED)
