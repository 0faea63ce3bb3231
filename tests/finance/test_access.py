import pytest
from django.urls import reverse

from tests.urlcrawl import project_urls

EDIT_ACTIONS = ("_create", "_update", "_close", "_reopen", "_correct", "_reverse")


def finance_urls():
    return [(path, name) for path, name in project_urls() if name and name.startswith("finance:")]


def finance_edit_urls():
    return [(p, n) for p, n in finance_urls() if n.endswith(EDIT_ACTIONS)]


def test_finance_edit_urls_cover_every_form():
    names = {name for _, name in finance_edit_urls()}
    assert names == {
        "finance:financialyear_create",
        "finance:financialyear_update",
        "finance:financialyear_close",
        "finance:financialyear_reopen",
        "finance:ledgerentry_create",
        "finance:ledgerentry_correct",
        "finance:ledgerentry_reverse",
        "finance:project_create",
        "finance:project_update",
        "finance:eventbudget_create",
        "finance:eventbudgetline_create",
        "finance:eventbudgetline_update",
        "finance:externalfunding_create",
        "finance:externalfunding_update",
    }


@pytest.mark.django_db
def test_finance_member_gets_403_on_every_edit_url(seed_ledger, member_client):
    for path, name in finance_edit_urls():
        # Sample paths use 1 for ids; use a real year for year URLs.
        path = path.replace("/years/1/", "/years/2006/")
        for method in (member_client.get, member_client.post):
            response = method(path)
            assert response.status_code == 403, (name, path, response.status_code)


@pytest.mark.django_db
def test_finance_anonymous_visitor_is_sent_to_login_everywhere(seed_ledger, client):
    for path, name in finance_urls():
        response = client.get(path)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name


def each_page(client, urls):
    """(url, HTML) of each page, checked to answer 200."""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.content.decode()


@pytest.mark.django_db
def test_finance_member_can_read_every_page(seed_ledger, member_client):
    pages = [
        reverse("finance:index"),
        reverse("finance:statement_detail"),
        reverse("finance:financialyear_detail", args=[2004]),
        reverse("finance:ledgerentry_history", args=[1]),
        reverse("finance:project_list"),
        reverse("finance:eventbudget_detail", args=[1]),
    ]
    for url, html in each_page(member_client, pages):
        assert 'style="' not in html, url
        assert "Correct<" not in html, url  # no edit links for members


@pytest.mark.django_db
def test_finance_coordinator_sees_every_form(seed_ledger, coordinator_client):
    pages = [
        reverse("finance:ledgerentry_create") + "?year=2006",
        reverse("finance:ledgerentry_correct", args=[16]),
        reverse("finance:ledgerentry_reverse", args=[16]),
        reverse("finance:financialyear_create"),
        reverse("finance:financialyear_update", args=[2006]),
        reverse("finance:financialyear_close", args=[2006]),
        reverse("finance:financialyear_reopen", args=[2005]),
        reverse("finance:project_create"),
        reverse("finance:project_update", args=[1]),
        reverse("finance:eventbudgetline_update", args=[1]),
        reverse("finance:eventbudget_create"),
        reverse("finance:eventbudgetline_create", args=[1]),
        reverse("finance:externalfunding_create"),
        reverse("finance:externalfunding_update", args=[1]),
    ]
    for url, html in each_page(coordinator_client, pages):
        assert "<h1>" in html and 'style="' not in html, url


@pytest.mark.django_db
def test_finance_statement_page_reads_a_bad_date_as_today(seed_ledger, member_client):
    response = member_client.get(reverse("finance:statement_detail") + "?as_of=14/07/2006")

    assert response.status_code == 200
    assert "That date could not be read" in response.content.decode()


# Exact query counts of the finance pages at 20 and 2,000 ledger entries: test_page_queries.py.
