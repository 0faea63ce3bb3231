"""Search results are kept under the versions of the tables searched (issue 18,
wkp.table_versions): a change to anything searched shows on the very next search, a viewer never
gets results made for other permissions, and no table a search reads is missing from the key."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import search
from meetings.models import AgendaItem, Meeting, Paper, Venue
from subgroups.models import AnnualReport, Body, SubGroupUpdate, UpdateSection
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory, VenueFactory
from tests.subgroups.factories import ReportingBodyFactory, SubGroupFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="table versions need PostgreSQL"),
]


@pytest.fixture
def published():
    return MeetingFactory(
        status=Meeting.Status.PUBLISHED, title="Summer board", venue=VenueFactory(name="Hall")
    )


def titles(user, query, **filters):
    return [r.title for r in search.search(user, query, **filters)]


def update_of(subgroup, title):
    return SubGroupUpdate.objects.create(
        subgroup=subgroup, title=title, met_on="2006-06-23", intro=[]
    )


CHANGES = {
    "paper added": lambda m: PaperFactory(meeting=m, letter="C", title="Lighting survey"),
    "paper renamed": lambda m: Paper.objects.filter(meeting=m).update(title="Lighting survey"),
    "paper withdrawn": lambda m: Paper.objects.filter(meeting=m).update(status="withdrawn"),
    "item added": lambda m: AgendaItemFactory(meeting=m, title="Lighting survey"),
    "item renamed": lambda m: AgendaItem.objects.filter(meeting=m).update(title="Lighting"),
    "meeting made a draft": lambda m: Meeting.objects.filter(pk=m.pk).update(status="draft"),
    "venue renamed": lambda m: Venue.objects.filter(pk=m.venue_id).update(name="Lighting Hall"),
    "sub-group renamed": lambda m: Body.objects.filter(pk=m.body_id).update(name="Lighting"),
    "update added": lambda m: update_of(SubGroupFactory(), "Lighting survey"),
    "update section added": lambda m: UpdateSection.objects.create(
        update=update_of(SubGroupFactory(), "Transport"), heading="Lighting survey"
    ),
    "report added": lambda m: AnnualReport.objects.create(
        body=ReportingBodyFactory(), title="Lighting survey", start_year=2005, end_year=2006
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_to_anything_searched_shows_on_the_next_search(published, member, change):
    PaperFactory(meeting=published, letter="A", title="Street lighting", body_html="<p>x</p>")
    AgendaItemFactory(meeting=published, title="Street lighting")
    before = titles(member, "lighting")
    assert titles(member, "lighting") == before  # kept while nothing changes
    change(published)
    after = titles(member, "lighting")
    cache.clear()
    assert after == titles(member, "lighting")  # as if nothing had been kept
    assert after != before


def test_each_viewer_gets_the_results_for_their_permissions(published, member, coordinator):
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    PaperFactory(meeting=draft, letter="A", title="Secret merger")
    PaperFactory(meeting=published, letter="A", title="Public merger")
    for _ in range(2):
        assert titles(member, "merger") == ["Paper A – Public merger"]
        assert sorted(titles(coordinator, "merger")) == [
            "Paper A – Public merger",
            "Paper A – Secret merger",
        ]


def test_every_filter_is_part_of_the_key(published, member):
    other = MeetingFactory(status=Meeting.Status.PUBLISHED)
    PaperFactory(meeting=published, letter="A", title="Budget one")
    PaperFactory(meeting=other, letter="A", title="Budget two")
    assert len(titles(member, "budget")) == 2
    assert titles(member, "budget", meeting=other.pk) == ["Paper A – Budget two"]
    assert titles(member, "budget", kind="item") == []
    assert len(titles(member, "budget")) == 2


def test_every_table_a_search_reads_is_in_its_key(published, coordinator):
    subgroup = SubGroupFactory()
    UpdateSection.objects.create(update=update_of(subgroup, "Budget"), heading="Budget")
    AnnualReport.objects.create(
        body=ReportingBodyFactory(), title="Budget", start_year=2005, end_year=2006
    )
    PaperFactory(meeting=published, letter="A", title="Budget")
    keyed = {model._meta.db_table for model in search.searched_models()}
    for filters in ({}, {"subgroup": subgroup.pk}, {"year": 2006}, {"kind": "report"}):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert search.search(coordinator, "budget", **filters) or filters
        read = set()
        for query in queries.captured_queries:
            read |= set(re.findall(r'(?:FROM|JOIN) "?(\w+)"?', query["sql"]))
        read &= set(connection.introspection.table_names())
        read -= {"wkp_tablechange", "auth_permission", "auth_group_permissions", "auth_user_groups",
                 "auth_user_user_permissions", "django_content_type", "auth_group"}  # fmt: skip
        assert "meetings_paper" in read or filters
        assert read <= keyed, read - keyed
