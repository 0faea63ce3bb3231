"""One search box over meetings, agenda items, papers (with the text inside uploaded files) and
minutes, showing only what the user may see.

On PostgreSQL: stored tsvector columns with GIN indexes (migration 0009), websearch syntax,
ts_rank and ts_headline. Elsewhere (SQLite): every word must appear, case-insensitively, and the
snippet marks the words; for plain words both give the same results.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from subgroups.reports import search_models, search_records, update_ids_of
from wkp import table_versions
from wkp.templatetags.wkp_format import short_date

from .access import papers_visible_to
from .fragments import viewer_key
from .models import AgendaItem, Meeting, MinuteEntry, Minutes, Paper, Venue

MAX_QUERY = 200
# Every word costs the database a little; beyond this many distinct words a search is no more
# precise, only slower. Repeated words are dropped before counting.
MAX_WORDS = 16
LIMIT = 50
KINDS = {
    "paper": "Papers",
    "item": "Agenda items",
    "minutes": "Minutes",
    "meeting": "Meetings",
    "update": "Sub-group updates",
    "report": "Annual reports",
}
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout stops a statement


class SearchTooSlow(Exception):
    """A search statement ran past WKP_SEARCH_TIMEOUT_MS and the database stopped it."""


@dataclass(frozen=True)
class Result:
    kind: str
    title: str
    url: str
    date: object
    context: str
    snippet: str
    rank: float


def words_of(query):
    """The distinct words of `query` (lower case, two letters or more), at most MAX_WORDS."""
    words = dict.fromkeys(w for w in re.findall(r"\w+", (query or "").lower()) if len(w) > 1)
    return list(words)[:MAX_WORDS]


_TERM = re.compile(r'-?"[^"]*"?|-?\w+')


def terms_of(query):
    """`query` in websearch syntax ("phrases", -not, or) with repeated terms dropped and at most
    MAX_WORDS terms kept, so that a long query cannot make a long tsquery."""
    terms, seen = [], set()
    for term in _TERM.findall((query or "")[:MAX_QUERY]):
        key = term.lower()
        if key == "or":
            if terms and terms[-1].lower() != "or":
                terms.append(term)
            continue
        if key in seen or not key.strip('-"'):
            continue
        seen.add(key)
        terms.append(term)
        if len(seen) == MAX_WORDS:
            break
    return " ".join(terms)


@contextmanager
def time_limited():
    """Run the search's statements in one transaction under PostgreSQL's statement_timeout
    (WKP_SEARCH_TIMEOUT_MS); a statement that runs longer is stopped and SearchTooSlow raised."""
    postgres = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('statement_timeout'), "
                        "set_config('statement_timeout', %s, true)",
                        [f"{int(settings.WKP_SEARCH_TIMEOUT_MS)}ms"],
                    )
                    previous = cursor.fetchone()[0]
            yield
            if postgres:
                # Local to the transaction already; put it back in case that is an outer one.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    except OperationalError as error:
        cause = error.__cause__
        code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if code == QUERY_CANCELED:
            raise SearchTooSlow from error
        raise


def search(user, query, *, year=None, kind=None, meeting=None, subgroup=None, organisation=None):
    """Ranked results for `query`, narrowed by kind, year, meeting, sub-group or organisation.

    One statement per kind of record whatever the number of words (at most MAX_WORDS count), all
    under a statement time limit (SearchTooSlow). A sub-group filter keeps that sub-group's
    updates and the papers made from them; an organisation filter keeps papers it wrote and the
    reports of bodies it belongs to.

    The results are kept under the versions of the tables searched (wkp.table_versions), the
    search and the viewer's permissions (what they may see depends on nothing else): a search
    asked again while nothing has changed costs one query.
    """
    query = (query or "").strip()[:MAX_QUERY]
    words = words_of(query)
    if not words:
        return []
    terms = terms_of(query) or " ".join(words)
    filters = (year, kind, meeting, subgroup, organisation)

    def run():
        with time_limited():
            results = _search(user, words, terms, *filters)
        results.sort(key=lambda r: (-r.rank, -(r.date.toordinal() if r.date else 0), r.title))
        return results[:LIMIT]

    versions = table_versions.versions(*searched_models())
    key = (terms, tuple(words), filters, viewer_key(user))
    return table_versions.cached("search", versions, key, run, templates=())


def searched_models():
    """The models whose tables a search reads, the sub-groups' (bodies) among them (a test
    checks this against the queries of a search)."""
    return (Paper, AgendaItem, MinuteEntry, Minutes, Meeting, Venue, *search_models())


def _search(user, words, terms, year, kind, meeting, subgroup, organisation):
    postgres = connection.vendor == "postgresql"
    results = []
    sources = [
        ("paper", _papers(user)),
        ("item", _items(user)),
        ("minutes", _minutes(user)),
    ]
    for source_kind, queryset in sources:
        if kind and kind != source_kind:
            continue
        if (subgroup or organisation) and source_kind != "paper":
            continue
        path = _meeting_path(source_kind)
        if year:
            queryset = queryset.filter(**{path + "date__year": year})
        if meeting:
            queryset = queryset.filter(**{path + "pk": meeting})
        if subgroup:
            queryset = queryset.filter(subgroup_update__in=update_ids_of(subgroup))
        if organisation:
            queryset = queryset.filter(author_organisation_id=organisation)
        if postgres:
            results += _postgres(source_kind, queryset, terms, words)
        else:
            results += _fallback(source_kind, queryset, words)
    if (not kind or kind == "meeting") and not (subgroup or organisation):
        results += _meetings(user, words, terms, year, meeting)
    if not kind or kind in {"update", "report"}:
        found = search_records(
            user,
            words,
            terms=terms if postgres else None,
            rank_query=rank_query(words),
            kinds={kind} if kind else {"update", "report"},
            year=year,
            meeting=meeting,
            subgroup=subgroup,
            organisation=organisation,
            limit=LIMIT,
        )
        for hit in found:
            if hit.rank is None:
                rank = sum(hit.text.lower().count(w) for w in words) / (1 + len(hit.text) / 1000)
                rank /= 10
            else:
                rank = hit.rank
            results.append(
                Result(
                    hit.kind,
                    hit.title,
                    hit.url,
                    hit.date,
                    KINDS[hit.kind][:-1],
                    snippet(hit.text, words),
                    rank,
                )
            )
    return results


def _meeting_path(kind):
    return {"paper": "meeting__", "item": "meeting__", "minutes": "minutes__meeting__"}[kind]


# What a result shows of its meeting (display_title, date, address): a paper's or a minute's
# long text stays in the database (ts_headline reads it there).
MEETING_FIELDS = ("id", "title", "date", "body__id", "body__name")


def _only(prefix, *fields):
    return [f"{prefix}{field}" for field in MEETING_FIELDS] + list(fields)


def _papers(user):
    return (
        papers_visible_to(user)
        .live()
        .select_related("meeting__body")
        .only(*_only("meeting__", "id", "letter", "title"))
    )


def _items(user):
    meetings = Meeting.objects.with_agenda_visible_to(user)
    return (
        AgendaItem.objects.live()
        .filter(meeting__in=meetings)
        .select_related("meeting__body")
        .only(*_only("meeting__", "id", "title"))
    )


def _minutes(user):
    if not user.has_perm("meetings.view_minutes"):
        return MinuteEntry.objects.none()
    entries = (
        MinuteEntry.objects.filter(
            minutes__meeting__in=Meeting.objects.with_agenda_visible_to(user)
        )
        .select_related("minutes__meeting__body", "item")
        .only(*_only("minutes__meeting__", "id", "minutes__id", "item__id", "item__title"))
    )
    if not user.has_perm("meetings.change_minutes"):
        entries = entries.exclude(minutes__status=Minutes.Status.DRAFT)
    return entries


TEXT_SQL = {
    "paper": "coalesce({t}.title, '') || ' ' || coalesce({t}.body_html, '') || ' ' "
    "|| coalesce({t}.file_text, '')",
    "item": "coalesce({t}.title, '') || ' ' || coalesce({t}.description, '')",
    "minutes": "coalesce({t}.note, '') || ' ' || coalesce({t}.decisions, '')",
}
TABLES = {
    "paper": "meetings_paper",
    "item": "meetings_agendaitem",
    "minutes": "meetings_minuteentry",
}


def rank_query(words):
    """The words as a tsquery of alternatives, for ranking: ts_rank's cost grows with the square
    of the terms of an AND query (every pair of terms, every pair of positions), but only
    linearly for OR. Matching still uses the whole websearch query."""
    return " | ".join(f"'{word}'" for word in words)


def _postgres(kind, queryset, query, words):
    table = TABLES[kind]
    vector = f'"{table}"."search_vector"'
    tsquery = "websearch_to_tsquery('english', %s)"
    ranking = "to_tsquery('english', %s)"
    text = TEXT_SQL[kind].format(t=f'"{table}"')
    # Table and column names are constants of this module; the query is always a parameter.
    rows = (
        queryset.extra(where=[f"{vector} @@ {tsquery}"], params=[query])  # noqa: S610
        .annotate(
            rank=RawSQL(f"ts_rank({vector}, {ranking})", [rank_query(words)]),  # noqa: S611
            headline=RawSQL(  # noqa: S611
                f"ts_headline('english', regexp_replace({text}, '<[^>]+>', ' ', 'g'), {tsquery},"
                " 'StartSel=⟦, StopSel=⟧, MaxWords=30, MinWords=12')",
                [query],
            ),
        )
        .order_by("-rank")[:LIMIT]
    )
    return [_result(kind, row, _marked(row.headline), row.rank) for row in rows]


def _marked(headline):
    """ts_headline marks matches with ⟦ ⟧; escape the rest and mark them."""
    safe = escape(headline or "")
    return mark_safe(safe.replace("⟦", "<mark>").replace("⟧", "</mark>"))  # noqa: S308


FIELDS = {
    "paper": ("title", "body_html", "file_text"),
    "item": ("title", "description"),
    "minutes": ("note", "decisions"),
}


def _fallback(kind, queryset, words):
    # One LIKE per distinct word on the record's own columns: no join, so cost grows with the
    # number of words (at most MAX_WORDS), never faster.
    for word in words:
        condition = Q()
        for field in FIELDS[kind]:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    results = []
    for row in queryset[: LIMIT * 2]:
        text = " ".join(strip_tags(getattr(row, f) or "") for f in FIELDS[kind])
        rank = sum(text.lower().count(word) for word in words) / (1 + len(text) / 1000)
        results.append(_result(kind, row, snippet(text, words), rank))
    return results


def snippet(text, words, width=220):
    """A stretch of `text` around the first match, with every word marked."""
    text = " ".join(text.split())
    lower = text.lower()
    first = min((lower.find(w) for w in words if lower.find(w) >= 0), default=0)
    start = max(0, first - width // 3)
    piece = text[start : start + width]
    safe = escape(piece)
    for word in words:
        safe = re.sub(f"({re.escape(escape(word))})", r"<mark>\1</mark>", safe, flags=re.I)
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(text) else ""
    return mark_safe(prefix + safe + suffix)  # noqa: S308 - escaped above


def _meetings(user, words, terms, year, meeting=None):
    meetings = Meeting.objects.visible_to(user).select_related("body", "venue")
    if year:
        meetings = meetings.filter(date__year=year)
    if meeting:
        meetings = meetings.filter(pk=meeting)
    if connection.vendor == "postgresql":
        meetings = (
            meetings.annotate(
                document=SearchVector(
                    "title", "note", "body__name", "venue__name", config="english"
                )
            )
            .filter(document=SearchQuery(terms, search_type="websearch", config="english"))
            .order_by("-date")
        )
    else:
        for word in words:
            meetings = meetings.filter(
                Q(title__icontains=word)
                | Q(note__icontains=word)
                | Q(body__name__icontains=word)
                | Q(venue__name__icontains=word)
            )
    return [
        Result(
            "meeting",
            f"{m.display_title}, {short_date(m.date)}",
            m.get_absolute_url(),
            m.date,
            "Meeting",
            snippet(f"{m.display_title} {m.note} {m.venue.name if m.venue else ''}", words),
            0.05,
        )
        for m in meetings[:LIMIT]
    ]


def _result(kind, row, snippet_html, rank):
    if kind == "paper":
        meeting, url, title = row.meeting, row.get_absolute_url(), str(row)
    elif kind == "item":
        meeting, title = row.meeting, row.title
        url = row.meeting.get_absolute_url() + f"#agenda-item-{row.pk}"
    else:
        meeting, title = row.minutes.meeting, f"Minutes: {row.item.title}"
        url = reverse("meetings:minutes_detail", args=[meeting.pk])
    context = meeting.display_title  # the date follows it, "Tuesday 23 November 2021"
    return Result(kind, title, url, meeting.date, context, snippet_html, rank)
