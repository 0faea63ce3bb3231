"""What other apps (the meetings pack above all) may read from sub-groups, already rendered.

Pages, meeting pages and PDFs all include the same partials:
  subgroups/partials/update.html          context: update
  subgroups/partials/annual_report.html   context: report
  subgroups/partials/comparison.html      context: comparison
The `get_*` functions fetch records with everything those partials touch, in a fixed number of
queries; the `render_*_html` functions return HTML fragments (no <html>), which meetings' papers
and packs typeset (meetings/papers.py, meetings/pack.py).
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

import pygal
from django.db import connection
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string

from wkp import table_versions
from wkp.charts import chart_svg, new_chart, svg_data_url

from .formatting import format_change, format_count_change, format_number
from .models import (
    AnnualReport,
    Body,
    CrimeCategory,
    CrimeFigure,
    Membership,
    Nominee,
    PeriodMixin,
    ReportingBody,
    ReportSection,
    SubGroupUpdate,
    UpdateSection,
)

# --- fetching -------------------------------------------------------------------------------


def memberships_prefetch(lookup="memberships"):
    return Prefetch(
        lookup,
        queryset=Membership.objects.select_related("organisation").prefetch_related(
            Prefetch("nominees", queryset=Nominee.objects.select_related("person"))
        ),
    )


def updates_queryset():
    """Updates with their sub-group, sections and membership table (4 queries for any number)."""
    return SubGroupUpdate.objects.select_related(
        "subgroup", "subgroup__parent", "subgroup__lead_organisation", "meeting"
    ).prefetch_related("sections", memberships_prefetch("subgroup__memberships"))


def annual_reports_queryset():
    """Annual reports with their body, sections, measures and figures (4 queries for any number)."""
    return AnnualReport.objects.select_related(
        "body", "body__organisation", "meeting"
    ).prefetch_related("sections", "measures", "figures")


def get_update(pk):
    return updates_queryset().get(pk=pk)


def get_annual_report(pk):
    return annual_reports_queryset().get(pk=pk)


# --- rendering ------------------------------------------------------------------------------


def render_update_html(update):
    """Paper-ready HTML fragment for one sub-group update (Papers G, I, J)."""
    return render_to_string("subgroups/partials/update.html", {"update": update})


def render_annual_report_html(report):
    """Paper-ready HTML fragment for one annual report (Papers C, D, F)."""
    return render_to_string("subgroups/partials/annual_report.html", {"report": report})


COMPARISON_TEMPLATES = ("subgroups/partials/comparison.html",)


def comparison_page(period):
    """The comparison page's parts for `period` ((start, end), or None for the newest):
    {"periods": [(start, end), ...] newest first, "period": the one shown or None,
    "comparison_html": "" when there is nothing to compare}.

    Kept under the versions of the tables they are made from (wkp.table_versions): the annual
    reports, their crime figures and the reporting bodies. One query when none of them has
    changed since; any change to them makes the next request render afresh."""
    versions = table_versions.versions(AnnualReport, CrimeFigure, ReportingBody)
    return table_versions.cached(
        "district-comparison",
        versions,
        period,
        lambda: _comparison_parts(period),
        templates=COMPARISON_TEMPLATES,
    )


def _comparison_parts(period):
    periods = available_periods()
    if period is None and periods:
        period = periods[0]
    html = render_comparison_html(compare_districts(*period)) if period else ""
    return {"periods": periods, "period": period, "comparison_html": html}


def render_comparison_html(comparison):
    return render_to_string("subgroups/partials/comparison.html", {"comparison": comparison})


# --- comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int | None = None
    change_percent: Decimal | None = None
    change_count: int | None = None
    rate_per_1000: Decimal | None = None

    @property
    def summary(self):
        """“588 (+5.4%)”, “356 (−22)”, “+0.3%”, “70 per 1,000”."""
        parts = []
        change = ""
        if self.change_percent is not None:
            change = format_change(self.change_percent)
        elif self.change_count is not None:
            change = format_count_change(self.change_count)
        if self.count is not None:
            parts.append(
                f"{format_number(self.count)} ({change})" if change else format_number(self.count)
            )
        elif change:
            parts.append(change)
        if self.rate_per_1000 is not None:
            parts.append(f"{format_number(self.rate_per_1000)} per 1,000")
        return "; ".join(parts)

    @property
    def is_empty(self):
        return all(
            value is None
            for value in (self.count, self.change_percent, self.change_count, self.rate_per_1000)
        )


@dataclass(frozen=True)
class Row:
    category: str
    label: str
    cells: tuple


@dataclass(frozen=True)
class Column:
    body: ReportingBody
    report: AnnualReport
    rate_per_1000: Decimal | None
    rank: int | None
    rank_of: int | None


@dataclass(frozen=True)
class Comparison(PeriodMixin):
    """The districts' figures for one period, side by side, in one unit (per 1,000)."""

    start_year: int
    end_year: int
    columns: tuple
    rows: tuple
    other_areas: tuple = ()  # CrimeFigure rows quoted for areas other than a body's own
    rate_chart: str = ""  # data: URL of an SVG chart
    change_chart: str = ""

    label = PeriodMixin.period_label
    key = PeriodMixin.period_key

    @property
    def title(self):
        return f"Community safety figures compared, {self.label}"

    @property
    def rate_chart_alt(self):
        parts = [
            f"{column.body.district} {format_number(column.rate_per_1000)}"
            for column in self.columns
            if column.rate_per_1000 is not None
        ]
        return "Bar chart of crimes per 1,000 population: " + "; ".join(parts) + "."

    @property
    def change_chart_alt(self):
        return (
            "Bar chart of the change in crimes by category, per cent, for each district; "
            "the same figures are in the table."
        )


def available_periods():
    """(start_year, end_year) pairs that have at least one annual report, newest first."""
    return list(
        AnnualReport.objects.order_by("-end_year", "-start_year")
        .values_list("start_year", "end_year")
        .distinct()
    )


def parse_period(value):
    """'2005-2006' → (2005, 2006); None if it is not a period in that form."""
    try:
        start, end = (int(part) for part in str(value).replace("–", "-").split("-"))
    except (TypeError, ValueError):
        return None
    if not (1990 <= start <= 2100 and start <= end <= 2100):
        return None
    return start, end


def compare_districts(start_year, end_year, *, with_charts=True):
    """Side-by-side figures of every reporting body with a report for the period (3 queries)."""
    reports = list(
        AnnualReport.objects.for_period(start_year, end_year)
        .select_related("body")
        .prefetch_related(Prefetch("figures", queryset=CrimeFigure.objects.order_by("position")))
        .order_by("body__district", "body__name")
    )
    columns, own_figures, other_areas = [], [], []
    for report in reports:
        figures = {}
        for figure in report.figures.all():
            if figure.area:
                other_areas.append(figure)
            else:
                figures.setdefault(figure.category, figure)
        if not figures:
            continue
        overall = figures.get(CrimeCategory.ALL)
        columns.append(
            Column(
                body=report.body,
                report=report,
                rate_per_1000=overall.rate_per_1000 if overall else None,
                rank=overall.rank if overall else None,
                rank_of=overall.rank_of if overall else None,
            )
        )
        own_figures.append(figures)
    rows = []
    for category, label in CrimeCategory.choices:
        cells = []
        for figures in own_figures:
            figure = figures.get(category)
            cells.append(
                Cell(
                    count=figure.count,
                    change_percent=figure.change_percent,
                    change_count=figure.change_count,
                    rate_per_1000=figure.rate_per_1000,
                )
                if figure
                else Cell()
            )
        if any(not cell.is_empty for cell in cells):
            rows.append(Row(category, label, tuple(cells)))
    comparison = Comparison(
        start_year=start_year,
        end_year=end_year,
        columns=tuple(columns),
        rows=tuple(rows),
        other_areas=tuple(other_areas),
    )
    if not with_charts or not columns:
        return comparison
    return Comparison(
        start_year=start_year,
        end_year=end_year,
        columns=comparison.columns,
        rows=comparison.rows,
        other_areas=comparison.other_areas,
        rate_chart=_rate_chart(comparison),
        change_chart=_change_chart(comparison),
    )


def _chart(chart_class, title, **options):
    settings = {"width": 640, "height": 320, "explicit_size": True, "print_values": True}
    settings.update(options)
    return new_chart(chart_class, title=title, **settings)


def _as_data_url(chart, label):
    return svg_data_url(chart_svg(chart, label=label, css_class="comparison-chart"))


def _rate_chart(comparison):
    columns = [column for column in comparison.columns if column.rate_per_1000 is not None]
    if not columns:
        return ""
    return _rate_chart_svg(
        comparison.label,
        tuple(column.body.district for column in columns),
        tuple(column.rate_per_1000 for column in columns),
        comparison.rate_chart_alt,
    )


# The charts are pure functions of the figures they draw, and drawing one costs several times
# the page's queries: each is kept per process under exactly those figures (its cache key), so a
# changed figure draws a new chart and a stale one is never shown.
@functools.lru_cache(maxsize=64)
def _rate_chart_svg(label, districts, rates, alt):
    chart = _chart(
        pygal.Bar,
        f"Crimes per 1,000 population, {label}",
        show_legend=False,
        value_formatter=lambda value: format_number(Decimal(str(value))),
    )
    chart.x_labels = list(districts)
    chart.add("Crimes per 1,000 population", [float(rate) for rate in rates])
    return _as_data_url(chart, alt)


def _change_chart(comparison):
    rows = [row for row in comparison.rows if any(c.change_percent is not None for c in row.cells)]
    indexes = [
        index
        for index in range(len(comparison.columns))
        if any(row.cells[index].change_percent is not None for row in rows)
    ]
    if not rows:
        return ""
    return _change_chart_svg(
        comparison.label,
        tuple(row.label for row in rows),
        tuple(comparison.columns[index].body.district for index in indexes),
        tuple(tuple(row.cells[index].change_percent for index in indexes) for row in rows),
        comparison.change_chart_alt,
    )


@functools.lru_cache(maxsize=64)
def _change_chart_svg(label, row_labels, districts, changes, alt):
    """`changes[row][district]`: a Decimal per cent, or None (see _rate_chart_svg on caching)."""
    values = [float(change) for row in changes for change in row if change is not None]
    # Room either side of zero so that value labels of short bars are not cut off.
    margin = max(5.0, (max(values + [0]) - min(values + [0])) * 0.15)
    chart = _chart(
        pygal.HorizontalBar,
        f"Change in crimes by category, {label} (per cent)",
        legend_at_bottom=True,
        value_formatter=lambda value: format_change(Decimal(str(value))),
        height=140 + 36 * len(row_labels) * len(districts),
        range=(min(values + [0]) - margin, max(values + [0]) + margin),
    )
    chart.x_labels = list(row_labels)
    for column, district in enumerate(districts):
        chart.add(
            district,
            [float(row[column]) if row[column] is not None else None for row in changes],
        )
    return _as_data_url(chart, alt)


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    url: str
    date: object
    text: str
    rank: float | None = None  # ts_rank on PostgreSQL; None where the caller ranks


def update_ids_of(subgroup_id):
    """The ids of one sub-group's updates, as a subquery other apps filter by (meetings' search
    keeps the papers made from them)."""
    return SubGroupUpdate.objects.filter(subgroup_id=subgroup_id).values("pk")


def search_models():
    """The models whose tables `search_records` reads (the search's cache key)."""
    return (SubGroupUpdate, UpdateSection, Body, AnnualReport, ReportSection, ReportingBody)


def subgroup_choices():
    """(id, name) of every sub-group, for search filters."""
    return list(Body.objects.order_by("name").values_list("pk", "name"))


def _quote(name):
    return connection.ops.quote_name(name)


def _column(model, field):
    column = field if field == "search_vector" else model._meta.get_field(field).column
    return f"{_quote(model._meta.db_table)}.{_quote(column)}"


def _outline_text_sql(column):
    """SQL for the text of an outline column: its items' "text" joined by spaces."""
    if connection.vendor == "postgresql":
        return (
            "coalesce((SELECT string_agg(item->>'text', ' ') FROM jsonb_array_elements("  # noqa: S608
            f"CASE jsonb_typeof({column}) WHEN 'array' THEN {column} ELSE '[]'::jsonb END)"
            " AS item), '')"
        )
    return (
        f"coalesce((SELECT group_concat(json_extract(value, '$.text'), ' ') "  # noqa: S608
        f"FROM json_each({column})), '')"
    )


def _sections_text_sql(section_model, parent_model, parts):
    """SQL for the text of a record's sections: each section's heading and outlines."""
    table = _quote(section_model._meta.db_table)
    fk = section_model._meta.get_field(
        "update" if parent_model is SubGroupUpdate else "report"
    ).column
    text = " || ' ' || ".join(
        _outline_text_sql(f"s.{_quote(part)}") if outline else f"coalesce(s.{_quote(part)}, '')"
        for part, outline in parts
    )
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return (
        f"coalesce((SELECT {aggregate}({text}, ' ') FROM {table} AS s "  # noqa: S608
        f"WHERE s.{_quote(fk)} = {_column(parent_model, 'id')}), '')"
    )


def _name_sql(parent_model, field):
    """SQL for the name of the group or body a record belongs to."""
    table = _quote(parent_model._meta.get_field(field).related_model._meta.db_table)
    return (
        f"coalesce((SELECT t.{_quote('name')} FROM {table} AS t "  # noqa: S608
        f"WHERE t.{_quote('id')} = {_column(parent_model, field)}), '')"
    )


def _document_sql(kind):
    """SQL for one document per record: everything a search may match, as plain text."""
    if kind == "update":
        parts = [
            f"coalesce({_column(SubGroupUpdate, 'title')}, '')",
            _name_sql(SubGroupUpdate, "subgroup"),
            _outline_text_sql(_column(SubGroupUpdate, "intro")),
            _sections_text_sql(UpdateSection, SubGroupUpdate, [("heading", 0), ("body", 1)]),
            _outline_text_sql(_column(SubGroupUpdate, "next_steps")),
        ]
    else:
        parts = [
            f"coalesce({_column(AnnualReport, 'title')}, '')",
            _name_sql(AnnualReport, "body"),
            _outline_text_sql(_column(AnnualReport, "intro")),
            _sections_text_sql(
                ReportSection, AnnualReport, [("heading", 0), ("body", 1), ("plans", 1)]
            ),
        ]
    return " || ' ' || ".join(parts)


def _matching(queryset, kind, words, terms, limit, rank_query=None):
    """Records of `queryset` whose document holds the query, best first, as (id, document, rank,
    *columns) rows (COLUMNS[kind]): one statement whatever the number of words, never a join per
    word. On PostgreSQL full text (websearch syntax), each document built and parsed once; on
    SQLite one LIKE per distinct word over the same document."""
    document = _document_sql(kind)
    columns = [_column(queryset.model, name) for name in COLUMNS[kind]]
    if kind == "report":
        columns.append(_name_sql(AnnualReport, "body"))
    base_sql, base_params = queryset.values("pk").query.sql_with_params()
    table = _quote(queryset.model._meta.db_table)
    docs = (
        f"SELECT {_column(queryset.model, 'id')} AS id, {document} AS document, "  # noqa: S608
        + ", ".join(f"{column} AS c{n}" for n, column in enumerate(columns))
        + f" FROM {table} WHERE {_column(queryset.model, 'id')} IN ({base_sql})"
    )
    extra = ", ".join(f"d.c{n}" for n in range(len(columns)))
    if terms is None:
        likes = " AND ".join("lower(d.document) LIKE %s ESCAPE '\\'" for _ in words)
        patterns = [
            "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for word in words
        ]
        sql = (
            f"SELECT d.id, d.document, NULL, {extra} FROM ({docs}) AS d "  # noqa: S608
            f"WHERE {likes or '1 = 1'} ORDER BY d.id DESC LIMIT %s"
        )
        params = [*base_params, *patterns, limit]
    else:
        # The stored search_vector (migration 0004, kept by triggers) plus the group's or body's
        # name; the document text is built for the rows shown only.
        name = _name_sql(queryset.model, NAME_FIELD[kind])
        vector = (
            f"(coalesce({_column(queryset.model, 'search_vector')}, ''::tsvector) "
            f"|| to_tsvector('english', {name}))"
        )
        top = (
            f"SELECT {_column(queryset.model, 'id')} AS id, ts_rank({vector}, r.query) AS rank "  # noqa: S608
            f"FROM {table}, websearch_to_tsquery('english', %s) AS q(query), "
            "to_tsquery('english', %s) AS r(query) "
            f"WHERE {_column(queryset.model, 'id')} IN ({base_sql}) AND {vector} @@ q.query "
            f"ORDER BY rank DESC, {_column(queryset.model, 'id')} DESC LIMIT %s"
        )
        sql = (
            f"SELECT top.id, {document}, top.rank, "  # noqa: S608
            + ", ".join(columns)
            + f" FROM ({top}) AS top JOIN {table} ON {_column(queryset.model, 'id')} = top.id "
            f"ORDER BY top.rank DESC, top.id DESC"
        )
        rank_query = rank_query or " | ".join(f"'{word}'" for word in words)
        params = [terms, rank_query, *base_params, limit]
    with connection.cursor() as cursor:
        # The SQL is built from model metadata only; the query and words are parameters.
        cursor.execute(sql, params)
        return cursor.fetchall()


COLUMNS = {"update": ("title", "met_on"), "report": ("title", "report_date", "body")}
NAME_FIELD = {"update": "subgroup", "report": "body"}


def search_records(
    user,
    words,
    *,
    terms=None,
    rank_query=None,
    kinds=("update", "report"),
    year=None,
    meeting=None,
    subgroup=None,
    organisation=None,
    limit=50,
):
    """Sub-group updates and annual reports matching the search (for the intranet's search).

    One query per kind of record, whatever the number of words: each record's title, group or
    body name, introduction, sections and next steps form one document. With `terms` (PostgreSQL)
    the document is searched as full text (websearch syntax) and ranked; without, every word must
    appear. Narrowed by year, the meeting reported to, the sub-group, or the reporting body's
    organisation."""
    hits = []
    if "update" in kinds and user.has_perm("subgroups.view_subgroupupdate") and not organisation:
        updates = SubGroupUpdate.objects.all()
        if year:
            updates = updates.filter(met_on__year=year)
        if meeting:
            updates = updates.filter(meeting_id=meeting)
        if subgroup:
            updates = updates.filter(subgroup_id=subgroup)
        for pk, document, rank, title, met_on in _matching(
            updates, "update", words, terms, limit, rank_query
        ):
            update = SubGroupUpdate(pk=pk, title=title, met_on=_date(met_on))
            hits.append(
                SearchHit("update", title, update.get_absolute_url(), update.met_on, document, rank)
            )
    if "report" in kinds and user.has_perm("subgroups.view_annualreport") and not subgroup:
        reports = AnnualReport.objects.all()
        if year:
            reports = reports.filter(Q(start_year=year) | Q(end_year=year))
        if meeting:
            reports = reports.filter(meeting_id=meeting)
        if organisation:
            reports = reports.filter(body__organisation_id=organisation)
        for row in _matching(reports, "report", words, terms, limit, rank_query):
            pk, document, rank, title, report_date, body_id, body_name = row
            body = ReportingBody(pk=body_id, name=body_name)
            report = AnnualReport(pk=pk, title=title, report_date=_date(report_date), body=body)
            hits.append(
                SearchHit(
                    "report",
                    str(report),
                    report.get_absolute_url(),
                    report.report_date,
                    document,
                    rank,
                )
            )
    return hits


def _date(value):
    """A date column as read by a raw cursor (SQLite gives text)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def meeting_page_models():
    """The models of this app whose tables the meeting page reads (its cache key): the bodies."""
    return (Body,)
