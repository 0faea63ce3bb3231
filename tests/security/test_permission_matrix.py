"""Every URL of the intranet, for every role, against a declared permission matrix.

The same crawl checks the security headers of every response (see test_headers.py).

Each URL name maps to cases: (label, URL kwargs, expected GET status for each role in ROLES:
anonymous, member, co-ordinator, admin, deactivated). Kwarg values that are strings naming a
world id (e.g. "draft_paper") are replaced by that object's real id in the demo data. A URL name
missing here fails the test, so a new page must declare who may see it.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from tests.pdftext import pdf_text as full_text
from tests.security.test_headers import security_header_problems
from tests.security.world import ROLES, build_world, client_for
from tests.urlcrawl import _walk

pytestmark = pytest.mark.django_db

# anonymous, member, co-ordinator, admin, deactivated
READ = (302, 200, 200, 200, 302)  # every signed-in role may read
EDIT = (302, 403, 200, 200, 302)  # co-ordinators and administrators only
POST_ONLY = (302, 405, 405, 405, 302)  # actions: a GET changes nothing
EDITOR_ONLY_OBJECT = (302, 404, 200, 200, 302)  # members must not learn it exists
# Reached before signing in fully: the sign-in steps, the site icon, and the calendar feed
# (its secret address is the key).
OPEN_BEFORE_SIGN_IN = frozenset(
    {"favicon", "login", "logout", "two_factor", "two_factor_setup", "meetings:calendar_feed"}
)
GONE = (302, 404, 404, 404, 302)  # no such thing for anyone (e.g. no supplement in v1)
DOWNLOAD = READ
PUBLIC = (200, 200, 200, 200, 200)
LOGIN = (200, 302, 302, 302, 200)  # signed-in users are sent on to the home page
STAFF = (302, 302, 302, 200, 302)  # the Django admin: staff only (others go to its login)


def record_pages(prefix, kwargs, read=(), edit=(), new=None):
    """The pages of one kind of record, `prefix`_<view>: `prefix`_create (its URL arguments
    `new`, if it is added to another record) for co-ordinators and administrators only; then, on
    the record `kwargs` name, each view of `read` for every signed-in role and each of `edit` for
    co-ordinators and administrators only."""
    pages = {f"{prefix}_create": [("new", new or {}, EDIT)]}
    pages |= {f"{prefix}_{view}": [(view, kwargs, READ)] for view in read}
    pages |= {f"{prefix}_{view}": [(view, kwargs, EDIT)] for view in edit}
    return pages


def managed_record_pages(prefix, kwargs):
    """A sub-group record's pages: every signed-in role reads it, co-ordinators and
    administrators add, edit and delete it (a delete page's GET is its confirmation page)."""
    return record_pages(prefix, kwargs, read=["detail"], edit=["edit", "delete"])


# The papers of the world, by id, as the paper pages' cases name them.
PAPERS = {
    "paper": "published typed paper",
    "filed_paper": "uploaded paper",
    "withdrawn_paper": "withdrawn paper",
    "deleted_paper": "deleted paper",
    "draft_paper": "draft meeting's paper",
}


def paper_cases(**expected):
    """A case for each paper `expected` names (by its world id), with its statuses."""
    return [(PAPERS[paper], {"pk": paper}, statuses) for paper, statuses in expected.items()]


P = "published_meeting"
D = "draft_meeting"
CIRCULATED_DRAFT = "draft_meeting_circulated_minutes"

CASES = {
    "home": [("home", {}, READ)],
    "accessibility": [("statement", {}, READ)],
    # No sign-in; 503 here because no worker has written a heartbeat (test_object_storage.py).
    "healthz": [("health check", {}, (503,) * 5)],
    # The site icon's fixed address sends everyone on to the static file.
    "favicon": [("site icon", {}, (302,) * 5)],
    "login": [("sign-in page", {}, LOGIN)],
    "logout": [("logout by GET is refused", {}, (302, 405, 405, 405, 302))],
    # The second sign-in step sends on anyone who does not owe one (test_two_factor.py).
    "two_factor": [("second step, already given or not needed", {}, (302,) * 5)],
    "two_factor_setup": [("set-up, already done or not needed", {}, (302,) * 5)],
    "partner_list": [("partner list", {}, READ)],
    "partner_detail": [("partner", {"pk": "organisation"}, READ)],
    # meetings
    "meetings:meeting_list": [("list", {}, READ)],
    "meetings:meeting_create": [("new meeting", {}, EDIT)],
    "meetings:venue_create": [("new venue", {}, EDIT)],
    "meetings:calendar_subscribe": [("calendar page", {}, READ)],
    "meetings:calendar_feed": [
        ("feed with a member's token", {"token": "token"}, PUBLIC),
        ("feed with a wrong token", {"token": "nope"}, (404, 404, 404, 404, 404)),
    ],
    "meetings:meeting_detail": [
        ("published meeting", {"pk": P}, READ),
        ("draft meeting (agenda hidden from members)", {"pk": D}, READ),
        ("no such meeting", {"pk": 99999}, GONE),
    ],
    "meetings:meeting_edit": [("published", {"pk": P}, EDIT), ("draft", {"pk": D}, EDIT)],
    "meetings:agenda_edit": [("published", {"pk": P}, EDIT), ("draft", {"pk": D}, EDIT)],
    "meetings:agenda_reorder": [("reorder", {"pk": P}, POST_ONLY)],
    "meetings:item_create": [("published", {"pk": P}, EDIT), ("draft", {"pk": D}, EDIT)],
    "meetings:item_add": [("add an item in place", {"pk": D}, POST_ONLY)],
    "meetings:agenda_copy": [("copy an agenda", {"pk": D}, POST_ONLY)],
    "meetings:agenda_undo": [("undo the last change", {"pk": D}, POST_ONLY)],
    "meetings:item_row_save": [("save an item's row", {"pk": "draft_item"}, POST_ONLY)],
    "meetings:item_paper_add": [("add a paper on a row", {"pk": "draft_item"}, POST_ONLY)],
    "meetings:paper_create": [("published", {"pk": P}, EDIT), ("draft", {"pk": D}, EDIT)],
    "meetings:meeting_publish": [("publish", {"pk": D}, POST_ONLY)],
    "meetings:meeting_ics": [("published", {"pk": P}, DOWNLOAD), ("draft", {"pk": D}, DOWNLOAD)],
    "meetings:pack_download": [
        ("published meeting's pack", {"pk": P}, DOWNLOAD),
        ("draft meeting has no pack", {"pk": D}, GONE),
    ],
    "meetings:pack_version_download": [
        ("v1", {"pk": P, "number": "pack_number"}, DOWNLOAD),
        ("no v99", {"pk": P, "number": 99}, GONE),
        ("draft", {"pk": D, "number": 1}, GONE),
    ],
    "meetings:supplement_download": [("v1 has no supplement", {"pk": P, "number": 1}, GONE)],
    "meetings:pack_issue": [("issue", {"pk": P}, POST_ONLY)],
    "meetings:meeting_seen": [("mark as seen", {"pk": P}, POST_ONLY)],
    "meetings:item_edit": [
        ("published item", {"pk": "published_item"}, EDIT),
        ("draft item", {"pk": "draft_item"}, EDIT),
    ],
    "meetings:item_action": [
        ("move up", {"pk": "published_item", "action": "up"}, POST_ONLY),
        ("delete", {"pk": "draft_item", "action": "delete"}, POST_ONLY),
    ],
    "meetings:paper_list": [("list", {}, READ)],
    "meetings:paper_detail": paper_cases(
        paper=READ,
        filed_paper=READ,
        withdrawn_paper=EDITOR_ONLY_OBJECT,
        deleted_paper=EDITOR_ONLY_OBJECT,
        draft_paper=EDITOR_ONLY_OBJECT,
    ),
    # A deleted paper is restored before it is edited.
    "meetings:paper_edit": paper_cases(
        paper=EDIT, draft_paper=EDIT, deleted_paper=(302, 403, 404, 404, 302)
    ),
    "meetings:paper_delete": [("delete", {"pk": "paper"}, POST_ONLY)],
    "meetings:paper_restore": [("restore", {"pk": "deleted_paper"}, POST_ONLY)],
    # A typed paper has no file.
    "meetings:paper_file": paper_cases(
        filed_paper=DOWNLOAD, paper=GONE, withdrawn_paper=GONE, draft_paper=GONE
    ),
    "meetings:paper_pdf": paper_cases(
        paper=DOWNLOAD,
        withdrawn_paper=EDITOR_ONLY_OBJECT,
        deleted_paper=GONE,
        draft_paper=EDITOR_ONLY_OBJECT,
    ),
    "meetings:attachment_create": paper_cases(paper=EDIT, deleted_paper=(302, 403, 404, 404, 302)),
    "meetings:attachment_file": [
        ("attachment of a published paper", {"pk": "attachment"}, DOWNLOAD),
        ("attachment of a draft meeting's paper", {"pk": "draft_attachment"}, EDITOR_ONLY_OBJECT),
    ],
    # finance
    "finance:index": [("index", {}, READ)],
    "finance:statement_detail": [("statement", {}, READ)],
    "finance:statement_csv": [("csv", {}, DOWNLOAD)],
    "finance:statement_xlsx": [("xlsx", {}, DOWNLOAD)],
    "finance:statement_pdf": [("pdf", {}, DOWNLOAD)],
    **record_pages(
        "finance:financialyear",
        {"start_year": "year"},
        read=["detail"],
        edit=["update", "close", "reopen"],
    ),
    **record_pages(
        "finance:ledgerentry", {"pk": "entry"}, read=["history"], edit=["correct", "reverse"]
    ),
    "finance:project_list": [("projects", {}, READ)],
    **record_pages("finance:project", {"pk": "project"}, edit=["update"]),
    **record_pages("finance:eventbudget", {"pk": "budget"}, read=["detail"]),
    **record_pages(
        "finance:eventbudgetline", {"pk": "budget_line"}, edit=["update"], new={"pk": "budget"}
    ),
    **record_pages("finance:externalfunding", {"pk": "external"}, edit=["update"]),
    # sub-groups
    "subgroups:index": [("index", {}, READ)],
    **managed_record_pages("subgroups:body", {"pk": "subgroup"}),
    **record_pages(
        "subgroups:membership",
        {"pk": "membership"},
        edit=["edit", "delete"],
        new={"subgroup_pk": "subgroup"},
    ),
    **managed_record_pages("subgroups:update", {"pk": "update"}),
    **managed_record_pages("subgroups:reportingbody", {"pk": "body"}),
    **managed_record_pages("subgroups:annualreport", {"pk": "report"}),
    "subgroups:comparison": [("comparison", {}, READ)],
    # minutes, attendance and actions
    # Minutes not yet circulated are the co-ordinators' working draft.
    "meetings:minutes_detail": [
        ("held meeting, minutes not circulated", {"pk": P}, EDITOR_ONLY_OBJECT),
        ("draft meeting", {"pk": D}, EDITOR_ONLY_OBJECT),
        ("held meeting, draft minutes", {"pk": "held_meeting_draft_minutes"}, EDITOR_ONLY_OBJECT),
        ("draft meeting, minutes circulated", {"pk": CIRCULATED_DRAFT}, EDITOR_ONLY_OBJECT),
    ],
    "meetings:minutes_edit": [("held meeting", {"pk": P}, EDIT)],
    "meetings:minutes_circulate": [("circulate", {"pk": P}, POST_ONLY)],
    "meetings:minutes_approve": [("approve", {"pk": P}, POST_ONLY)],
    "meetings:minutes_pdf": [
        ("held meeting, minutes not circulated", {"pk": P}, EDITOR_ONLY_OBJECT),
        ("draft meeting", {"pk": D}, EDITOR_ONLY_OBJECT),
        ("draft meeting, minutes circulated", {"pk": CIRCULATED_DRAFT}, EDITOR_ONLY_OBJECT),
    ],
    "meetings:minute_amend": [("no such entry", {"pk": 99999}, (302, 403, 404, 404, 302))],
    "meetings:action_create": [("held meeting", {"pk": P}, EDIT)],
    "meetings:action_list": [("actions", {}, READ)],
    "meetings:action_edit": [
        ("no such action", {"pk": 99999}, (302, 403, 404, 404, 302)),
        ("action on a draft meeting", {"pk": "draft_action"}, EDIT),
    ],
    "meetings:search": [("search", {}, READ)],
    "meetings:notice_preferences": [("own e-mail notices", {}, READ)],
    "meetings:forward_plan": [("forward plan", {}, READ)],
    "meetings:forward_plan_create": [("new entry", {}, EDIT)],
    "meetings:forward_plan_edit": [("no such entry", {"pk": 99999}, (302, 403, 404, 404, 302))],
}


# Known defects, reported: the page writes on GET. Remove the entry when it is fixed.
KNOWN_GET_WRITES = {}


def resolve_kwargs(kwargs, world):
    return {key: world.ids.get(value, value) for key, value in kwargs.items()}


def admin_cases(world):
    """The Django admin is staff-only: every registered model's list, add, change, history."""
    cases = []
    request = RequestFactory().get("/admin/")
    request.user = world.users["admin"]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        cases.append((f"{prefix}_changelist", {}, STAFF))
        cases.append(
            (
                f"{prefix}_add",
                {},
                STAFF
                if model_admin.has_add_permission(request)
                else STAFF[:3] + (403,) + STAFF[4:],
            )
        )
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            cases.append((f"{prefix}_change", {"object_id": first.pk}, STAFF))
            cases.append((f"{prefix}_history", {"object_id": first.pk}, STAFF))
    cases.append(("admin:index", {}, STAFF))
    cases.append(("admin:login", {}, (200, 200, 200, 302, 200)))
    return cases


def project_url_names():
    return {name for route, name, _ in _walk_all() if not route.startswith("admin/")}


def _walk_all():
    from django.urls import get_resolver

    return _walk(get_resolver().url_patterns)


def test_every_url_name_is_in_the_matrix():
    missing = sorted(project_url_names() - set(CASES))
    assert not missing, f"URL names with no declared permissions: {missing}"
    stale = sorted(set(CASES) - project_url_names())
    assert not stale, f"matrix names URLs that no longer exist: {stale}"


def test_get_crawl_matches_the_matrix_for_every_role(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    clients = {role: client_for(role, world) for role in ROLES}
    before = table_fingerprints()
    mismatches, header_problems, checked = [], [], 0
    rows = [
        (name, label, resolve_kwargs(kwargs, world), expected)
        for name, cases in CASES.items()
        for label, kwargs, expected in cases
    ] + [(name, name, kwargs, expected) for name, kwargs, expected in admin_cases(world)]
    # Pages known to write on GET are crawled after the before/after comparison.
    rows.sort(key=lambda row: row[0] in KNOWN_GET_WRITES)
    after = None
    for name, label, kwargs, expected in rows:
        if name in KNOWN_GET_WRITES and after is None:
            after = table_fingerprints()
        path = reverse(name, kwargs=kwargs)
        for role, status in zip(ROLES, expected, strict=True):
            response = clients[role].get(path)
            checked += 1
            header_problems.extend(
                (name, role, problem) for problem in security_header_problems(response, role)
            )
            if response.status_code != status:
                mismatches.append((name, label, role, status, response.status_code))
            elif status == 302 and role in ("anonymous", "deactivated"):
                signin = ("/accounts/login/", "/admin/login/")
                if name == "favicon":  # public: the static file, never a page
                    signin = ("/static/",)
                assert response["Location"].startswith(signin)
    assert mismatches == [], "\n".join(map(str, mismatches))
    assert header_problems == []
    assert checked >= 500
    after = after or table_fingerprints()
    changed = sorted(table for table in before if before[table] != after[table])
    assert changed == [], "a GET changed these tables"


def test_non_editors_posting_to_any_url_change_nothing(settings, tmp_path):
    """Anonymous, deactivated and member POSTs: a login redirect or 403/404/405, no new rows."""
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    clients = {role: client_for(role, world) for role in ("anonymous", "deactivated", "member")}
    before = table_fingerprints()
    refused = {"anonymous": {302}, "deactivated": {302}, "member": {403, 404, 405}}
    problems = []
    for name, cases in CASES.items():
        # Members' own actions: their calendar address and marking a meeting as seen; the
        # second sign-in step sends members on (302) as there is nothing for them to give.
        # The site icon refuses a POST (405) from anyone, signed in or not.
        if name in OPEN_BEFORE_SIGN_IN | {
            "meetings:calendar_subscribe",
            "meetings:meeting_seen",
            "healthz",  # public, GET only: a POST is 405 for everyone
        }:
            continue
        for label, kwargs, expected in cases:
            path = reverse(name, kwargs=resolve_kwargs(kwargs, world))
            for role, allowed in refused.items():
                if role == "member" and expected[ROLES.index("member")] == 200:
                    continue  # a page members may read: a POST there is answered 405 or ignored
                status = clients[role].post(path, {"title": "x"}).status_code
                if status not in allowed:
                    problems.append((name, label, role, status))
    assert problems == []
    assert table_fingerprints() == before


# No view of the intranet handles these: Django's form views would take PUT as a POST, and its
# delete views DELETE as a delete.
UNHANDLED_METHODS = ("put", "delete", "patch")


def test_no_url_answers_put_delete_or_patch(settings, tmp_path):
    """Every URL asked with PUT, DELETE and PATCH by an administrator (every permission; the test
    client skips CSRF checks), and those an anonymous visitor reaches asked anonymously too: 405, or
    the case's own 403 or 404 where permission or existence refuses first, and no row changed.
    The Django admin's pages (and each model's delete page) too, as the administrator."""
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    askers = {role: client_for(role, world) for role in ("admin", "anonymous")}
    for client in askers.values():
        client.raise_request_exception = False  # a view that fails is reported with the others
    rows = [
        (role, name, label, resolve_kwargs(kwargs, world), expected[ROLES.index(role)])
        for name, cases in CASES.items()
        for label, kwargs, expected in cases
        for role in askers
        if role == "admin" or expected[ROLES.index("anonymous")] != 302  # 302: to sign in
    ]
    staff = admin_cases(world) + [
        (name.removesuffix("_change") + "_delete", kwargs, STAFF)
        for name, kwargs, _expected in admin_cases(world)
        if name.endswith("_change")
    ]
    rows += [
        ("admin", name, name, kwargs, expected[ROLES.index("admin")])
        for name, kwargs, expected in staff
    ]
    before = table_fingerprints()
    answered = []
    for role, name, label, kwargs, refused in rows:
        path = reverse(name, kwargs=kwargs)
        for method in UNHANDLED_METHODS:
            status = getattr(askers[role], method)(path, "title=x").status_code
            if status not in {405} | ({refused} & {403, 404}):
                answered.append((method.upper(), role, name, label, status))
    assert answered == [], "\n".join(map(str, answered))
    assert table_fingerprints() == before


# Sessions move their expiry when used (idle timeout; at most every SESSION_REFRESH_SECONDS).
NOT_FINGERPRINTED = {"django_session"}


def table_fingerprints():
    """Row count and (on PostgreSQL) an MD5 of every row of every table but the sessions."""
    fingerprints = {}
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in fingerprints or table in NOT_FINGERPRINTED or model._meta.proxy:
                continue
            quoted = connection.ops.quote_name(table)
            digest = "md5(string_agg(t::text, '|' ORDER BY t::text))" if postgres else "NULL"
            cursor.execute(f"SELECT COUNT(*), {digest} FROM {quoted} t")  # noqa: S608 - model tables
            fingerprints[table] = cursor.fetchone()
    return fingerprints


def test_draft_records_are_invisible_to_members_on_every_path(
    settings, tmp_path, django_capture_on_commit_callbacks, mailoutbox
):
    """Issue 16, "draft stays draft": what is recorded on a draft meeting or in draft minutes
    (see world.DRAFT_SECRETS) reaches no member by any path; co-ordinators still see it."""
    from meetings import services
    from meetings.models import AgendaItem, Meeting, Paper
    from tests.security.world import DRAFT_SECRETS

    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    member, coordinator = client_for("member", world), client_for("coordinator", world)
    published = Meeting.objects.get(pk=world.ids[P])
    circulated = Meeting.objects.get(pk=world.ids[CIRCULATED_DRAFT])
    # A paper of the published meeting that embeds the minutes of the draft meeting.
    item = AgendaItem.objects.filter(meeting=published, kind="minutes").first()
    paper = Paper.objects.create(
        meeting=published, title="Minutes of 9 June", minutes_of=circulated
    )
    item.papers.add(paper)
    services.reletter_papers(published)
    paper.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_pack(published)
        # Minutes of a draft meeting "circulated": no e-mail about a draft meeting.
        draft_minutes = services.minutes_for(Meeting.objects.get(pk=world.ids[D]))
        services.circulate_minutes(draft_minutes, by=world.users["coordinator"])

    def pdf_text(response):
        data = b"".join(response.streaming_content) if response.streaming else response.content
        return full_text(data)

    words = list(DRAFT_SECRETS.values())
    member_paths = {
        "action list": reverse("meetings:action_list"),
        "my actions": reverse("meetings:action_list") + "?mine=1",
        "open actions": reverse("meetings:action_list") + "?status=open",
        "matters arising of the published meeting": published.get_absolute_url(),
        "the minutes paper's page": paper.get_absolute_url(),
        "calendar feed": reverse("meetings:calendar_feed", args=[world.ids["token"]]),
        "draft meeting's calendar file": reverse("meetings:meeting_ics", args=[circulated.pk]),
        "draft meeting's page": circulated.get_absolute_url(),
        "home page": reverse("home"),
    }
    leaks = []
    for word in words:  # the page repeats the query: its results must be empty
        response = member.get(reverse("meetings:search"), {"q": word})
        leaks += [("search", str(result.title)) for result in response.context["results"]]
    for label, path in member_paths.items():
        response = member.get(path)
        assert response.status_code == 200, label
        text = b"".join(response.streaming_content) if response.streaming else response.content
        leaks += [(label, w) for w in words if w.encode() in text]
    for label, path in {
        "the issued pack": reverse("meetings:pack_download", args=[published.pk]),
        "the minutes paper's PDF": reverse("meetings:paper_pdf", args=[paper.pk]),
    }.items():
        response = member.get(path)
        assert response.status_code == 200, label
        text = pdf_text(response)
        leaks += [(label, w) for w in words if w in text]
    for message in mailoutbox:
        leaks += [("e-mail", w) for w in words if w in message.body or w in message.subject]
    leaks += [("e-mail on a draft", m.subject) for m in mailoutbox if "Draft" in m.subject]
    assert leaks == []
    # The co-ordinators' working draft is still theirs to see.
    page = coordinator.get(reverse("meetings:action_list")).text
    assert all(DRAFT_SECRETS[key] in page for key in DRAFT_SECRETS if key.startswith("action"))
