"""The W3C Nu HTML checker over every page of a crawl: 0 errors and 0 warnings.

The crawl signs in as an administrator and a member, opens every URL pattern with the demo's
objects, and follows the links it finds (every meeting, paper, report, finance page …), so a
page added later is checked without being listed here. All pages go to one run of vnu.jar.
"""

import pytest
from django.core.management import call_command
from django.test import Client

from finance.models import FinancialYear
from tests.conftest import sign_in_fully
from tests.standards.validators import nu_check, vnu_command
from tests.urlcrawl import link_crawl, project_urls

pytestmark = pytest.mark.django_db

NOT_PAGES = {"logout"}
# Template syntax that reached a page: a `{# … #}` comment over several lines (Django's one-line
# comment) is printed as text, as is a tag or variable with a typo in its delimiters.
TEMPLATE_SYNTAX = ("{#", "#}", "{%", "%}", "{{")  # "}}" ends nested JSON (editor settings)


def test_every_page_of_the_crawl_passes_the_nu_html_checker(tmp_path, admin_user, member, settings):
    vnu_command()  # skips (fails in CI) before the crawl if the checker cannot run
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--no-users")
    year = FinancialYear.objects.order_by("start_year").last().start_year
    seeds = [
        path.replace("/finance/years/1/", f"/finance/years/{year}/")
        for path, name in project_urls()
        if name not in NOT_PAGES
    ]
    pages = {}
    for user in (admin_user, member):
        found = link_crawl(sign_in_fully(Client(), user), ["/", *seeds])
        pages.update({f"{path} ({user.username})": html for path, html in found.items()})
    pages["/accounts/login/ (anonymous)"] = Client().get("/accounts/login/").content.decode()
    leaked = {
        name: [token for token in TEMPLATE_SYNTAX if token in html] for name, html in pages.items()
    }
    assert not {name: found for name, found in leaked.items() if found}
    folder = tmp_path / "pages"
    folder.mkdir()

    problems, version = nu_check(pages, folder)

    print(f"Nu HTML checker {version}: {len(pages)} pages, {len(problems)} with problems")
    assert not problems, "\n".join(
        f"{name}:\n  " + "\n  ".join(found) for name, found in sorted(problems.items())
    )
    assert len(pages) >= 150
