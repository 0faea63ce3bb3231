"""Every page, for every role, checked with axe-core in Chromium: 0 violations at A and AA.

Members' and co-ordinators' pages here; the administrator's here only where the every-URL crawl
(test_every_url.py, as an administrator) does not reach: the Django admin and forms showing
their errors.

The accessibility statement (templates/wkp/accessibility.html) quotes the figures of this crawl
from wkp/accessibility_check.json; the crawl fails if they differ. Run it with
WKP_RECORD_ACCESSIBILITY=1 to rewrite the file (with today's date) after a clean run.
"""

import datetime
import json
import os

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from finance.models import EventBudget, FinancialYear
from meetings.models import Paper
from subgroups.models import AnnualReport, Body, ReportingBody, SubGroupUpdate
from tests.accessibility.conftest import WCAG_TAGS, axe_violations, describe
from tests.conftest import PASSWORD, totp_code
from wkp.models import Organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHECK_FILE = settings.BASE_DIR / "wkp" / "accessibility_check.json"

# Sign-in, two-factor set-up (before and after starting), backup codes, and the second step.
SIGN_IN_PAGES = 5


def give_password(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def check_second_step_pages(page, live_server, coordinator, check):
    """A co-ordinator's first sign-in sets up an app; the next asks for its code."""
    give_password(page, live_server, coordinator)
    page.get_by_role("button", name="Set up an authenticator app").wait_for()
    check("two-factor set-up")
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.get_by_label("Code").fill("12345")
    page.get_by_role("button", name="Confirm").click()
    page.locator("#error-summary").wait_for()
    check("two-factor set-up with QR code and an error")
    page.wait_for_timeout(1100)  # django-otp makes the next try wait a second after a wrong code
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()
    page.locator("#backup-codes").wait_for()
    check("two-factor backup codes")
    page.context.clear_cookies()
    give_password(page, live_server, coordinator)
    page.get_by_role("heading", name="Confirm it is you").wait_for()
    check("two-factor second step")
    page.get_by_label("Code").fill("abc")
    page.get_by_role("button", name="Continue").click()
    page.locator("#error-summary").wait_for()
    check("two-factor second step with an error")
    page.context.clear_cookies()


def pages_to_check():
    """(name, path, how to act on the page before checking, roles that may open it)."""
    paper = Paper.objects.filter(meeting_id=1).exclude(letter="").order_by("letter").first()
    organisation = Organisation.objects.order_by("name").first()
    subgroup = Body.objects.order_by("pk").first()
    update = SubGroupUpdate.objects.order_by("pk").first()
    report = AnnualReport.objects.order_by("pk").first()
    body = ReportingBody.objects.order_by("pk").first()
    year = FinancialYear.objects.order_by("start_year").last()
    budget = EventBudget.objects.order_by("pk").first()
    everyone = ("member", "co-ordinator", "admin")
    editors = ("co-ordinator", "admin")
    return [
        ("home", "/", None, everyone),
        ("meetings list", "/meetings/", None, everyone),
        ("meeting of 14 July 2006", "/meetings/1/", None, everyone),
        ("paper", f"/meetings/papers/{paper.pk}/", None, everyone),
        ("papers list", "/meetings/papers/", None, everyone),
        ("calendar", "/meetings/calendar/", None, everyone),
        ("partners list", "/partners/", None, everyone),
        ("partner", f"/partners/{organisation.pk}/", None, everyone),
        ("finance", "/finance/", None, everyone),
        ("fund statement", "/finance/statement/", None, everyone),
        ("financial year", f"/finance/years/{year.start_year}/", None, everyone),
        ("projects", "/finance/projects/", None, everyone),
        ("event budget", f"/finance/budgets/{budget.pk}/", None, everyone),
        ("sub-groups", "/subgroups/", None, everyone),
        ("sub-group", f"/subgroups/{subgroup.pk}/", None, everyone),
        ("sub-group update", f"/subgroups/updates/{update.pk}/", None, everyone),
        ("reporting body", f"/subgroups/bodies/{body.pk}/", None, everyone),
        ("annual report", f"/subgroups/reports/{report.pk}/", None, everyone),
        ("comparison", "/subgroups/compare/?period=2005-2006", None, everyone),
        ("accessibility statement", "/accessibility/", None, everyone),
        ("agenda editor", "/meetings/1/agenda/", None, editors),
        ("new meeting, errors shown", "/meetings/new/", submit_empty, editors),
        ("paper form", f"/meetings/papers/{paper.pk}/edit/", None, editors),
        ("new paper form", "/meetings/1/papers/new/", None, editors),
        ("item form", item_form_path(), None, editors),
        ("ledger entry form, errors shown", "/finance/entries/new/", submit_empty, editors),
        ("sub-group update form", "/subgroups/updates/new/", None, editors),
        ("admin partner list", "/admin/wkp/organisation/", None, ("admin",)),
    ]


def admin_only(path, act):
    """The pages the administrator's pass checks: the every-URL crawl (test_every_url.py) opens
    every other page as an administrator, but neither the Django admin nor a form showing its
    errors."""
    return act is not None or path.startswith("/admin/")


def item_form_path():
    from meetings.models import AgendaItem

    return f"/meetings/items/{AgendaItem.objects.filter(meeting_id=1).first().pk}/edit/"


def submit_empty(page):
    """Submit the page's form empty (past the browser's own checks) so the errors show."""
    with page.expect_navigation():
        page.locator("main form[method=post]").last.evaluate(
            "form => HTMLFormElement.prototype.submit.call(form)"
        )
    page.locator("#error-summary").wait_for()


def test_every_page_for_every_role_has_no_wcag_a_or_aa_violations(
    page, live_server, sign_in, demo, roles
):
    page.set_default_timeout(20000)
    failures, checked = [], 0

    def check(label):
        nonlocal checked
        checked += 1
        violations = axe_violations(page)
        if violations:
            failures.append(f"{label} ({page.url}):\n{describe(violations)}")

    page.goto(f"{live_server.url}/accounts/login/")
    check("sign-in page (anonymous)")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#error-summary").wait_for()
    check("sign-in page with an error (anonymous)")
    check_second_step_pages(page, live_server, roles["co-ordinator"], check)

    pages = pages_to_check()
    for role, user in roles.items():
        page.context.clear_cookies()
        sign_in(page, user.username, PASSWORD)
        for name, path, act, allowed in pages:
            if role not in allowed or (role == "admin" and not admin_only(path, act)):
                continue
            response = page.goto(f"{live_server.url}{path}")
            if response.status != 200:
                failures.append(f"{name} as {role}: HTTP {response.status}")
                continue
            if act:
                act(page)
            check(f"{name} as {role}")

    assert not failures, f"{len(failures)} of {checked} pages fail:\n" + "\n".join(failures)

    figures = {
        "pages": len(pages) + SIGN_IN_PAGES,
        "checks": checked,
        "roles": len(roles),
        "violations": 0,
        "tags": WCAG_TAGS,
        "axe": page.evaluate("axe.version"),
    }
    if os.environ.get("WKP_RECORD_ACCESSIBILITY") == "1":
        recorded = json.loads(CHECK_FILE.read_text())
        recorded |= {"last_tested": datetime.date.today().isoformat(), **figures}
        CHECK_FILE.write_text(json.dumps(recorded, indent=2) + "\n")
    recorded = json.loads(CHECK_FILE.read_text())
    assert {key: recorded.get(key) for key in figures} == figures
    assert datetime.date.fromisoformat(recorded["last_tested"]) <= datetime.date.today()
