"""An edit that would take embedded content out of an issued paper asks first and says what the
next pack version will show; it never removes it silently (issue 22, point 2)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from meetings.models import Meeting, PackJob, Paper
from tests.security.test_rendered_forms import post_forms

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", "--no-users")
    return Meeting.objects.get(pk=1)


def edit_form(client, paper):
    """The paper's edit form as the browser has it: (action, fields) read from the page."""
    url = reverse("meetings:paper_edit", args=[paper.pk])
    response = client.get(url)
    assert response.status_code == 200
    (form,) = [f for f in post_forms(url, response.text) if "title" in f[1]]
    return form


def test_losing_the_fund_report_asks_first_and_names_the_next_version(coordinator_client, demo):
    paper_b = Paper.objects.get(meeting=demo, letter="B")
    jobs = PackJob.objects.count()
    action, fields = edit_form(coordinator_client, paper_b)
    fields["fund_report_as_of"] = [""]  # what the date widget sent back

    response = coordinator_client.post(action, fields)

    assert response.status_code == 200
    text = " ".join(response.text.split())
    assert (
        "Saving would remove the WKP financial report as of Friday 14 July 2006 from "
        "Paper B – Co-ordinator&#x27;s Report, which members have been sent. Version 2 of the pack "
        "would then show “Paper B – Co-ordinator&#x27;s Report: replaced with a new version.”"
    ) in text
    paper_b.refresh_from_db()
    assert str(paper_b.fund_report_as_of) == "2006-07-14"
    assert PackJob.objects.count() == jobs  # nothing saved, nothing issued

    # The page now offers the confirmation box; ticking it removes the report.
    (confirm,) = [f for f in post_forms(action, response.text) if "title" in f[1]]
    assert 'type="checkbox" name="confirm_removal"' in response.text
    confirm[1]["confirm_removal"] = ["on"]
    response = coordinator_client.post(confirm[0], confirm[1])
    assert response.status_code == 302
    paper_b.refresh_from_db()
    assert paper_b.fund_report_as_of is None
    assert PackJob.objects.count() == jobs + 1


def test_removing_an_uploaded_file_or_a_linked_report_asks_first(coordinator_client, demo):
    paper = Paper.objects.filter(meeting=demo, annual_report__isnull=False).first()
    action, fields = edit_form(coordinator_client, paper)
    fields["annual_report"] = [""]
    response = coordinator_client.post(action, fields)
    assert response.status_code == 200
    assert f"Saving would remove the annual report “{paper.annual_report}”" in response.text
    paper.refresh_from_db()
    assert paper.annual_report_id is not None


def test_an_unchanged_resave_from_the_page_changes_nothing(coordinator_client, demo):
    paper_b = Paper.objects.get(meeting=demo, letter="B")
    before = Paper.objects.filter(pk=paper_b.pk).values().get()
    action, fields = edit_form(coordinator_client, paper_b)
    response = coordinator_client.post(action, fields)
    assert response.status_code == 302
    after = Paper.objects.filter(pk=paper_b.pk).values().get()
    changed = {k for k in before if before[k] != after[k]} - {"updated_at", "version"}
    assert changed == set()


def test_a_draft_meetings_paper_loses_content_without_a_question(coordinator_client, demo):
    draft = Meeting.objects.filter(status=Meeting.Status.DRAFT).first()
    paper = Paper.objects.create(meeting=draft, title="Budget", fund_report_as_of="2006-07-14")
    action, fields = edit_form(coordinator_client, paper)
    fields["fund_report_as_of"] = [""]
    assert coordinator_client.post(action, fields).status_code == 302
    paper.refresh_from_db()
    assert paper.fund_report_as_of is None
