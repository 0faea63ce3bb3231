import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from finance import exports
from finance.models import EventBudget
from finance.reports import (
    fund_statement,
    render_event_budget_html,
    render_fund_chart_svg,
    render_fund_report_html,
)

from .factories import make_entry, make_year


@pytest.mark.django_db
def test_render_fund_report_html_is_the_partial_with_caption_and_scoped_headers(seed_ledger):
    html = render_fund_report_html(datetime.date(2006, 7, 14))

    assert "<caption>WKP Financial Report - July 2006</caption>" in html
    assert '<th scope="col" class="num text-end">2003/4 Actual</th>' in html
    assert '<th scope="row">TOTAL allocated</th>' in html
    assert '<td class="num text-end">72489</td>' in html
    assert "<svg" not in html


@pytest.mark.django_db
def test_render_fund_report_html_with_chart_adds_inline_svg_without_scripts(seed_ledger):
    html = render_fund_report_html(datetime.date(2006, 7, 14), chart=True)

    assert html.count("<svg") == 1
    assert 'role="img"' in html
    assert "<script" not in html and "<style" not in html and 'style="' not in html
    assert "&lt;svg" not in html


@pytest.mark.django_db
def test_render_fund_chart_svg_labels_every_year(seed_ledger):
    svg = render_fund_chart_svg(fund_statement(datetime.date(2006, 7, 14)))

    for heading in ("2003/4 Actual", "2004/5 Actual", "2005/6 Actual", "2006/7 Projected"):
        assert heading in svg
    assert "Balance carried forward" in svg


@pytest.mark.django_db
def test_fund_statement_as_of_an_earlier_date_leaves_out_later_entries(seed_ledger):
    statement = fund_statement(datetime.date(2006, 7, 13))

    table = statement.as_table()

    assert ["Ssky Project", "", "", "", "10000", "10000"] not in table
    assert ["2006/7 project funding available", "", "", "", "65971", ""] in table


@pytest.mark.django_db
def test_fund_statement_shows_a_year_as_projected_before_its_figures_were_final(seed_ledger):
    statement = fund_statement(datetime.date(2006, 6, 1))

    assert statement.header[3] == "2005/6 Projected"
    assert statement.title == "WKP Financial Report - June 2006"


@pytest.mark.django_db
def test_fund_statement_before_any_entry_is_empty(seed_ledger):
    statement = fund_statement(datetime.date(2003, 1, 1))

    assert statement.columns == ()
    assert "nothing had been posted" in render_fund_report_html(datetime.date(2003, 1, 1))


@pytest.mark.django_db
def test_fund_statement_adds_pence_exactly(db):
    year = make_year(2006)
    for _ in range(30):
        make_entry(year, "income", "0.10")

    statement = fund_statement(datetime.date(2007, 3, 31))

    assert statement.figures[0].income == Decimal("3.00")


@pytest.mark.django_db
def test_render_event_budget_html_shows_the_conference_estimate(seed_ledger):
    html = render_event_budget_html(EventBudget.objects.get(pk=1))

    assert "estimated cost £7,500" in html
    for description, amount in (
        ("Venue and AV equipment", "2500"),
        ("Catering 200 people", "3000"),
        ("Marketing materials", "2000"),
    ):
        assert (
            f'<th scope="row">{description}</th>\n      <td class="num text-end">{amount}</td>'
            in html
        )
    assert '<td class="num text-end">7500</td>' in html
    assert "Wednesday 27 September 2006" in html


@pytest.mark.django_db
def test_statement_exports_escape_cells_that_look_like_formulas(db):
    from finance.models import Project

    year = make_year(2006)
    make_entry(year, "income", "100")
    project = Project.objects.create(name='=HYPERLINK("http://evil")')
    make_entry(year, "allocation", "10", project=project)
    statement = fund_statement(datetime.date(2007, 3, 31))

    rows = list(csv.reader(io.StringIO(exports.statement_csv(statement))))
    sheet = load_workbook(io.BytesIO(exports.statement_xlsx(statement))).active
    labels = [r[0] for r in sheet.iter_rows(values_only=True)]

    assert ['\'=HYPERLINK("http://evil")', "10", "10"] in rows
    assert '\'=HYPERLINK("http://evil")' in labels
