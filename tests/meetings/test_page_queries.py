"""Exact query counts of the meetings pages at two sizes (issue 18): the same number of queries
for 10 agenda items as for 200, for 10 papers as for 1,000.

Big data is made with bulk_create so the tests stay fast. Each page is loaded once first (the
first request after signing in refreshes the session, wkp.middleware.SessionRefreshMiddleware),
then counted: the session read, the user, the two permission reads, the page's own queries.
"""

import pytest
from django.db import connection
from django.urls import reverse

from meetings.models import Action, Meeting, Paper, letter_for
from tests.factories import BodyFactory, MeetingFactory, PaperFactory
from tests.pagequeries import count_queries as count
from tests.pagequeries import count_rendered_then_cached, grow_agenda, weekly_meetings

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


def published_meeting(**extra):
    return MeetingFactory(status=Meeting.Status.PUBLISHED, **extra)


def agenda_of(size):
    """A published meeting with `size` items, each with a paper, and a sub-item on every third."""
    meeting = published_meeting()
    grow_agenda(meeting, size)
    return meeting


def papers_of(size):
    meeting = published_meeting()
    Paper.objects.bulk_create(
        Paper(
            meeting=meeting,
            letter=letter_for(n),
            title=f"Budget paper {n}",
            body_html="<p>The budget for community safety.</p>",
        )
        for n in range(size)
    )


def actions_of(size):
    meeting = published_meeting()
    Action.objects.bulk_create(
        Action(body=meeting.body, number=n + 1, meeting=meeting, description=f"Action {n}")
        for n in range(size)
    )


# Session, user, the user's and the group's permissions, then the page's own queries. On a
# cache miss: the meeting with its row versions in one statement (meetings/fragments.py), the
# agenda (items, papers, attachments, links, presenters), minutes, outstanding actions and their
# owners, pack versions and job, next meetings, allocations, and the viewer's visit. On a hit:
# the meeting with its row versions, and the viewer's visit. On SQLite nothing is cached.
MEETING_PAGE_MISS = 17
MEETING_PAGE_HIT = 6 if POSTGRES else MEETING_PAGE_MISS


@pytest.mark.parametrize("size", [10, 200])
def test_meeting_page_query_count_is_exact(member_client, django_assert_num_queries, size):
    """The first request after signing in (refreshing the session) is also the cache miss."""
    from django.core.cache import cache

    meeting = agenda_of(size)
    cache.clear()
    member_client.get(reverse("home"))  # refreshes the session
    with django_assert_num_queries(MEETING_PAGE_MISS):
        response = member_client.get(meeting.get_absolute_url())
    assert response.content.decode().count("Paper ") >= size
    with django_assert_num_queries(MEETING_PAGE_HIT):
        response = member_client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("Paper ") >= size


AGENDA_EDITOR = 21


@pytest.mark.parametrize("size", [10, 200])
def test_agenda_editor_query_count_is_exact(coordinator_client, django_assert_num_queries, size):
    meeting = agenda_of(size)
    url = reverse("meetings:agenda_edit", args=[meeting.pk])
    response = count(coordinator_client, django_assert_num_queries, url, AGENDA_EDITOR)
    assert f"Item {size - 1}" in response.content.decode()


MEETING_LIST = 5


@pytest.mark.parametrize("size", [10, 200])
def test_meeting_list_query_count_is_exact(member_client, django_assert_num_queries, size):
    weekly_meetings(BodyFactory(), size)
    url = reverse("meetings:meeting_list")
    count(member_client, django_assert_num_queries, url, MEETING_LIST)


# Pages cached until their tables change: the first load after a change renders them, the next
# comes from the cache.
# The paper list: session, user, permissions (4); the versions of the papers and meetings tables
# (wkp.table_versions), then from the cache; when the table is rendered (first, or after a
# change), the count and the page.
PAPER_LIST = 5 if POSTGRES else 6
PAPER_LIST_RENDERED = 7 if POSTGRES else 6
# The search: session, user, permissions (4) and the versions of the tables searched
# (wkp.table_versions), then the results from the cache; when they are found (first, or after a
# change), the search's savepoint (2), the time limit set and reset and one statement per kind of
# record (6). The versions of the filters' tables, then from the cache; when they are rendered,
# years, sub-groups, meetings, organisations.
SEARCH = 6 if POSTGRES else 16
SEARCH_RENDERED = 20 if POSTGRES else 16
CACHED_PAGES = {
    # URL name: (query string, queries when rendered, from the cache, the context's cached HTML)
    "meetings:paper_list": (None, PAPER_LIST_RENDERED, PAPER_LIST, "papers_html"),
    "meetings:search": ({"q": "budget"}, SEARCH_RENDERED, SEARCH, "filters_html"),
}


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("meetings:paper_list", 10),
        ("meetings:paper_list", 200),
        ("meetings:search", 10),
        ("meetings:search", 1000),
    ],
)
def test_paper_list_and_search_query_counts_are_exact(
    member_client, django_assert_num_queries, name, size
):
    papers_of(size)
    params, rendered_count, cached_count, cached_html = CACHED_PAGES[name]
    rendered, response = count_rendered_then_cached(
        member_client,
        django_assert_num_queries,
        reverse(name),
        rendered_count,
        cached_count,
        params,
    )
    assert "Budget paper" in rendered.content.decode()
    assert "Budget paper" in response.content.decode()
    assert response.context[cached_html] == rendered.context[cached_html]


ACTION_LIST = 5


@pytest.mark.parametrize("size", [10, 200])
def test_action_list_query_count_is_exact(member_client, django_assert_num_queries, size):
    actions_of(size)
    url = reverse("meetings:action_list")
    count(member_client, django_assert_num_queries, url, ACTION_LIST)


# Pages whose data has no natural size here: one size, an exact count.
PAPER_PAGE = 8
FORWARD_PLAN = 5
NOTICES = 5
CALENDAR = 5


def test_paper_page_query_count_is_exact(member_client, django_assert_num_queries):
    paper = PaperFactory(meeting=published_meeting(), letter="A", body_html="<p>Text</p>")
    url = reverse("meetings:paper_detail", args=[paper.pk])
    count(member_client, django_assert_num_queries, url, PAPER_PAGE)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("meetings:forward_plan", FORWARD_PLAN),
        ("meetings:notice_preferences", NOTICES),
        ("meetings:calendar_subscribe", CALENDAR),
    ],
)
def test_member_page_query_count_is_exact(member_client, django_assert_num_queries, name, expected):
    published_meeting()
    count(member_client, django_assert_num_queries, reverse(name), expected)
