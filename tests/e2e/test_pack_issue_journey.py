"""The co-ordinator issues a new version of a pack from the meeting page, in Chromium."""

import io

import pytest
from pypdf import PdfReader

from meetings import services
from meetings.models import AgendaItem, Paper
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(make_user, make_july_meeting, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = make_july_meeting("published")
    AgendaItem.objects.create(meeting=meeting, title="Welcome", position=0)
    finance = AgendaItem.objects.create(meeting=meeting, title="Finance", position=1)
    paper = Paper.objects.create(meeting=meeting, title="Budget", body_html="<p>Figures</p>")
    finance.papers.add(paper)
    services.reletter_papers(meeting)
    services.issue_pack(meeting, notify=False)
    make_user("coordinator", "Co-ordinator")
    return meeting


def test_issue_a_new_version_now_from_the_meeting_page(page, live_server, sign_in, published):
    page.set_default_timeout(30000)
    # The agenda changed after version 1 (a renamed item does not re-issue by itself).
    AgendaItem.objects.filter(meeting=published, title="Finance").update(
        title="Finance and funding"
    )
    sign_in(page, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{published.pk}/")
    page.get_by_role("link", name="Download the pack (PDF, version 1").wait_for()

    page.get_by_role("button", name="Issue a new version now").click()

    page.get_by_text("A new version of the pack is being prepared.").wait_for()
    page.get_by_role("link", name="Download the pack (PDF, version 2").wait_for()
    assert "Forbidden" not in page.content()
    change = "Item 2 – Finance and funding: renamed (was “Finance”)."
    page.get_by_text(change).wait_for()
    response = page.request.get(f"{live_server.url}/meetings/{published.pk}/pack.pdf")
    assert response.status == 200
    cover = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "Pack version 2" in cover
    assert change in " ".join(cover.split())
