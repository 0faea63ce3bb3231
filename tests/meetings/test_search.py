import datetime

import pytest
from django.db import connection
from django.urls import reverse

from meetings import search, services
from meetings.models import Meeting, Paper
from tests.factories import AgendaItemFactory, BodyFactory, MeetingFactory, PaperFactory
from tests.meetings.test_pack import upload_pdf
from tests.search_words import VOCABULARY

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
        r.title for r in search._fallback("paper", search._papers(member), ["bus", "partnerships"])
    }
    assert fallback == {"Paper A – Transport"}
    if connection.vendor == "postgresql":
        full_text = {
            r.title
            for r in search._postgres(
                "paper", search._papers(member), "bus partnerships", ["bus", "partnerships"]
            )
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


# Session, user, two permission reads; the versions of the tables searched (PostgreSQL only),
# the search's savepoint (2), the time limit set and reset (PostgreSQL only) and one statement
# per kind of record (6); the versions of the filters' tables (PostgreSQL only) and, rendered
# afresh, years, sub-groups, meetings, organisations; session save (3).
NUM_QUERIES = 23 if connection.vendor == "postgresql" else 19


@pytest.mark.parametrize("papers", [3, 40])
def test_search_page_query_count_is_constant(
    member_client, published, papers, django_assert_num_queries
):
    for n in range(papers):
        PaperFactory(
            meeting=published, letter=f"A{n}"[:3], title=f"Budget {n}", body_html="<p>budget</p>"
        )
    with django_assert_num_queries(NUM_QUERIES):
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


# --- bounded cost and validated filters (issue 16) ---------------------------------------------


def sixty_four_words():
    # More words than the vocabulary has, so some repeat: repeats must not cost anything.
    return " ".join(VOCABULARY[n % len(VOCABULARY)] for n in range(64))


@pytest.fixture
def every_kind(published):
    """A paper, an agenda item, a sub-group update with a section and an annual report with a
    section, all holding the word "transport"."""
    from tests.subgroups.factories import ReportSectionFactory, UpdateSectionFactory

    PaperFactory(meeting=published, letter="A", title="Transport", body_html="<p>transport</p>")
    AgendaItemFactory(meeting=published, title="Transport plan")
    UpdateSectionFactory(
        update__title="Transport Sub-Group Update",
        heading="Buses",
        body=[{"style": "p", "text": "Quality transport partnerships"}],
    )
    ReportSectionFactory(
        report__title="Annual report",
        report__body__name="Sevenoaks CSP",
        heading="Roads",
        body=[{"style": "p", "text": "Safer transport"}],
    )
    return published


@pytest.mark.parametrize(
    "params",
    [
        {"year": "²"},
        {"meeting": "²"},
        {"subgroup": "³"},
        {"organisation": "¹"},
        {"meeting": "1" * 23},
        {"subgroup": "9" * 23},
        {"organisation": "4" * 23},
        {"year": "9" * 23},
        {"year": "-1"},
        {"kind": "nonsense"},
    ],
)
def test_bad_filters_get_a_message_not_a_server_error(member_client, every_kind, params):
    response = member_client.get(reverse("meetings:search"), {"q": "transport", **params})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The search was not run" in page
    assert "result for" not in page and "results for" not in page


@pytest.mark.parametrize("words", [1, 64])
def test_search_query_count_does_not_depend_on_the_number_of_words(
    member_client, every_kind, words, django_assert_num_queries
):
    query = "transport" if words == 1 else sixty_four_words()
    assert len(query.split()) == words
    with django_assert_num_queries(NUM_QUERIES):
        response = member_client.get(reverse("meetings:search"), {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    if words == 1:
        for title in (
            "Paper A – Transport",
            "Transport plan",
            "Transport Sub-Group Update",
            "Sevenoaks CSP – Annual report",
        ):
            assert title in page


def test_more_words_add_no_joins_to_the_search_queries(member, every_kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def joins(query):
        with CaptureQueriesContext(connection) as captured:
            search.search(member, query)
        return [q["sql"].upper().count("JOIN") for q in captured.captured_queries]

    search.search(member, "warm")  # the user's permissions are read once and cached
    assert joins(sixty_four_words()) == joins("transport")


def test_words_are_de_duplicated_and_capped():
    assert search.words_of("Bus bus BUS lane") == ["bus", "lane"]
    assert len(search.words_of(" ".join(f"word{n}" for n in range(100)))) == search.MAX_WORDS
    terms = search.terms_of('"quality bus" -rail bus or or taxi ' + sixty_four_words())
    assert terms.startswith('"quality bus" -rail bus or taxi transport')
    kept = [t for t in search._TERM.findall(terms) if t.lower() != "or"]
    assert len(kept) == search.MAX_WORDS  # the phrase counts as one


def test_sub_group_updates_and_reports_are_found_by_every_word_in_any_part(member, every_kind):
    found = {r.kind for r in search.search(member, "quality partnerships transport")}
    assert found == {"update"}
    found = [r.title for r in search.search(member, "safer transport", kind="report")]
    assert found == ["Sevenoaks CSP – Annual report"]


def test_updates_and_reports_need_their_own_permission(make_user, every_kind):
    from django.contrib.auth.models import Permission

    reader = make_user("reader")
    reader.user_permissions.add(
        Permission.objects.get(codename="view_meeting", content_type__app_label="meetings")
    )
    kinds = {r.kind for r in search.search(reader, "transport")}
    assert "update" not in kinds and "report" not in kinds


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement timeout: PostgreSQL")
def test_a_search_statement_is_stopped_at_the_time_limit(settings):
    from django.db import connection as conn

    settings.WKP_SEARCH_TIMEOUT_MS = 50
    with pytest.raises(search.SearchTooSlow), search.time_limited(), conn.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    with conn.cursor() as cursor:  # the limit does not outlive the search
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "50ms"


def test_the_search_follows_edits_to_sections_and_names(member, every_kind):
    from subgroups.models import ReportingBody, ReportSection, UpdateSection

    section = UpdateSection.objects.get()
    section.body = [{"style": "p", "text": "Concessionary fares agreed"}]
    section.save()
    assert [r.title for r in search.search(member, "concessionary fares")] == [
        "Transport Sub-Group Update"
    ]
    assert search.search(member, "quality partnerships", kind="update") == []
    ReportingBody.objects.update(name="Tunbridge Wells CSP")
    assert [r.title for r in search.search(member, "tunbridge roads")] == [
        "Tunbridge Wells CSP – Annual report"
    ]
    ReportSection.objects.all().delete()
    assert search.search(member, "safer", kind="report") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement timeout: PostgreSQL")
def test_a_search_stopped_at_the_time_limit_gets_a_message(
    member_client, published, settings, monkeypatch
):
    def slow_search(*args):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return []

    settings.WKP_SEARCH_TIMEOUT_MS = 50
    monkeypatch.setattr(search, "_search", slow_search)
    response = member_client.get(reverse("meetings:search"), {"q": "budget"})
    assert response.status_code == 200
    assert "The search took too long and was stopped." in response.content.decode()


def test_a_result_names_its_meeting_once_and_dates_have_no_leading_zero(member):
    meeting = MeetingFactory(
        status=Meeting.Status.PUBLISHED,
        date=datetime.date(2021, 9, 7),
        body=BodyFactory(name="Lancashire Enterprise Partnership"),
    )
    PaperFactory(meeting=meeting, letter="A", title="Radiowaste", body_html="<p>geology</p>")

    [paper] = search.search(member, "geology")

    # The page shows the context, then the date: "… Meeting · Tuesday 7 September 2021".
    assert paper.context == "Lancashire Enterprise Partnership Meeting"
    assert str(meeting) == "Lancashire Enterprise Partnership Meeting – 7 September 2021"
