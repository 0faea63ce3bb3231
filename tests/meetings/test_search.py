import datetime

import pytest
from django.db import connection
from django.urls import reverse

from meetings import search, services
from meetings.models import Meeting, Paper
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.meetings.test_pack import upload_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def published():
    return MeetingFactory(status=Meeting.Status.PUBLISHED)


def titles(results):
    return [r.title for r in results]


def test_a_phrase_only_inside_an_uploaded_pdf_is_found(published, coordinator_client, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = upload_pdf("The Ssky Project will pilot broadband in rural parishes", pages=1)
    response = coordinator_client.post(
        reverse("meetings:paper_create", args=[published.pk]),
        {
            "title": "Bid appraisal",
            "status": "available",
            "upload": SimpleUploadedFile("bid.pdf", data),
        },
    )
    assert response.status_code == 302
    results = search.search(member, "broadband rural parishes")
    assert titles(results)[0].endswith("Bid appraisal")
    assert "<mark>" in results[0].snippet.lower() or "<mark>" in results[0].snippet


def test_search_never_shows_what_the_user_may_not_see(published, member, coordinator):
    draft = MeetingFactory(date=datetime.date(2006, 10, 20))
    PaperFactory(meeting=draft, letter="A", title="Secret restructure", body_html="<p>merger</p>")
    PaperFactory(meeting=published, letter="A", title="Public merger note", body_html="<p>x</p>")
    withdrawn = PaperFactory(
        meeting=published, letter="B", title="Withdrawn merger", status="withdrawn"
    )
    assert titles(search.search(member, "merger")) == ["Paper A – Public merger note"]
    seen = titles(search.search(coordinator, "merger"))
    assert "Paper A – Secret restructure" in seen
    assert str(withdrawn) in seen


def test_minutes_are_searchable_once_circulated(published, member, coordinator):
    item = AgendaItemFactory(meeting=published, title="Bid appraisal")
    minutes = services.minutes_for(published)
    services.save_minutes(
        minutes, version=minutes.version, entries={item: ("", "RESOLVED that Ssky be funded")}
    )
    assert search.search(member, "Ssky funded") == []
    services.circulate_minutes(minutes, by=coordinator)
    assert titles(search.search(member, "Ssky funded")) == ["Minutes: Bid appraisal"]


def test_fallback_finds_the_same_papers_as_postgres_for_plain_words(published, member):
    PaperFactory(
        meeting=published,
        letter="A",
        title="Transport",
        body_html="<p>Quality Bus Partnerships</p>",
    )
    PaperFactory(
        meeting=published, letter="B", title="Housing", body_html="<p>choice based lettings</p>"
    )
    fallback = {
        r.title for r in search._fallback("paper", search._papers(member), "bus partnerships")
    }
    assert fallback == {"Paper A – Transport"}
    if connection.vendor == "postgresql":
        full_text = {
            r.title for r in search._postgres("paper", search._papers(member), "bus partnerships")
        }
        assert full_text == fallback


@pytest.mark.parametrize(
    "query",
    [
        '"unterminated',
        "a OR b -c",
        "x" * 5000,
        "'; DROP TABLE meetings_paper; --",
        "Ålesund 東京 ﷺ",
        "<script>",
    ],
)
def test_odd_queries_give_no_error(member_client, published, query):
    response = member_client.get(reverse("meetings:search"), {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1].split("</main>")[
        0
    ].replace("&lt;script&gt;", "")
    assert Paper.objects.count() == 0


def test_search_page_shows_ranked_results_with_highlights(member_client, published):
    PaperFactory(
        meeting=published, letter="A", title="Towards 2010", body_html="<p>Towards 2010 targets</p>"
    )
    page = member_client.get(reverse("meetings:search"), {"q": "targets"}).content.decode()
    assert "Paper A – Towards 2010" in page
    assert "<mark>targets</mark>" in page


def test_sub_group_updates_and_annual_reports_are_searched(member):
    from django.core.management import call_command

    call_command("load_demo", "--no-users")
    kinds = {r.kind: r.title for r in search.search(member, "Quality Bus Partnerships")}
    assert kinds.get("update") == "Transport Sub-Group Update"
    reports = search.search(member, "distraction burglary", kind="report")
    assert reports and all(r.kind == "report" for r in reports)


@pytest.mark.parametrize("papers", [3, 40])
def test_search_page_query_count_is_constant(
    member_client, published, papers, django_assert_max_num_queries
):
    for n in range(papers):
        PaperFactory(
            meeting=published, letter=f"A{n}"[:3], title=f"Budget {n}", body_html="<p>budget</p>"
        )
    with django_assert_max_num_queries(18):
        response = member_client.get(reverse("meetings:search"), {"q": "budget"})
    assert response.content.decode().count("Budget ") >= min(papers, 3)


def test_filters_by_meeting_sub_group_and_organisation(member):
    from django.core.management import call_command

    from wkp.models import Organisation

    call_command("load_demo", "--no-users")
    later = MeetingFactory(date=datetime.date(2006, 10, 20), status=Meeting.Status.PUBLISHED)
    PaperFactory(
        meeting=later, letter="A", title="Bus news", body_html="<p>Quality Bus Partnerships</p>"
    )
    every = search.search(member, "Quality Bus Partnerships")
    assert {r.kind for r in every} >= {"paper", "update"}
    only_july = search.search(member, "Quality Bus Partnerships", meeting=1)
    assert "Paper A – Bus news" not in [r.title for r in only_july]
    transport = search.search(member, "Quality Bus Partnerships", subgroup=6)
    assert [r.title for r in transport] == ["Transport Sub-Group Update"]
    titled = {r.title for r in search.search(member, "Transport", subgroup=6)}
    assert titled == {"Transport Sub-Group Update", "Paper J – Transport Sub-Group Update"}
    twbc = Organisation.objects.get(short_name="TWBC").pk
    reports = search.search(member, "burglary", organisation=twbc)
    assert reports and {r.kind for r in reports} <= {"paper", "report"}
