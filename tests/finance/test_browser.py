"""In Chromium: a co-ordinator meets the shortfall message and records an override; a member
reads the statement with its chart, and the page's CSP blocks nothing of ours."""

import re

import pytest
from playwright.sync_api import expect

from finance.models import LedgerEntry
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def make_user(transactional_db, make_user):
    """An earlier transactional test's flush removes the role groups that the data migrations
    made (permissions come back with post_migrate; groups do not): make them again."""
    from django.contrib.auth.models import Group, Permission

    from wkp.roles import COORDINATOR, MEMBER, VIEW_ONLY_APPS, content_apps

    CONTENT_APPS = tuple(content_apps())  # noqa: N806

    coordinator, _ = Group.objects.get_or_create(name=COORDINATOR)
    member, _ = Group.objects.get_or_create(name=MEMBER)
    for app_label in CONTENT_APPS + VIEW_ONLY_APPS:
        perms = Permission.objects.filter(content_type__app_label=app_label)
        view = perms.filter(codename__startswith="view_")
        member.permissions.add(*view)
        coordinator.permissions.add(*(perms if app_label in CONTENT_APPS else view))
    return make_user


def test_finance_browser_override_then_member_reads_statement_and_chart(
    page, live_server, sign_in, coordinator, member, seed_ledger
):
    console = []
    page.on("console", lambda message: console.append(message.text))

    sign_in(page, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/finance/entries/new/?year=2006")
    page.get_by_label("Kind").select_option(label="Project allocation")
    page.get_by_label("Date").fill("2006-07-20")
    page.get_by_label("Amount (£)").fill("60000.00")
    page.get_by_label("Description").fill("Conference underwriting")
    page.get_by_label("Project").select_option(label="Ssky Project")
    page.get_by_role("button", name="Post entry").click()
    # expect() waits for the answer to the click; is_visible() looked before it came.
    expect(
        page.locator("#error-summary").get_by_text(
            "This allocation would take 2006/7's projects £4,029 beyond the funds available"
        )
    ).to_be_visible()
    page.get_by_label("Override: allocate beyond the funds available").check()
    page.get_by_label("Reason for the override").fill("Agreed by the board, 20 July 2006")
    page.get_by_role("button", name="Post entry").click()
    page.wait_for_url(re.compile(r"/finance/years/2006/$"))
    assert LedgerEntry.objects.get(description="Conference underwriting").override_reason

    page.context.clear_cookies()
    sign_in(page, "member", PASSWORD)
    page.goto(f"{live_server.url}/finance/statement/?as_of=2006-07-14")
    table = page.get_by_role("table", name="WKP Financial Report - July 2006")
    row = table.get_by_role("row", name="2006/7 project funding available")
    assert row.inner_text().split()[-1] == "55971"
    chart = page.get_by_role("img", name=re.compile("Bar chart of income"))
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    assert not [m for m in console if "Content Security Policy" in m]
