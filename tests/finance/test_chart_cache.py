"""The fund chart is kept per process under the figures it draws (issue 18, finance/chart.py):
the same figures are served from the cache, a changed figure draws a new chart at once."""

import datetime

import pytest

from finance.chart import _fund_chart_svg
from finance.models import FinancialYear
from finance.reports import fund_statement, render_fund_chart_svg

from .factories import make_entry

AS_OF = datetime.date(2006, 7, 14)


@pytest.mark.django_db
def test_the_fund_chart_is_drawn_once_per_set_of_figures(seed_ledger):
    first = render_fund_chart_svg(fund_statement(AS_OF))
    hits = _fund_chart_svg.cache_info().hits
    assert render_fund_chart_svg(fund_statement(AS_OF)) == first
    assert _fund_chart_svg.cache_info().hits == hits + 1

    year = FinancialYear.objects.get(start_year=2005)
    make_entry(year, "income", "98765", posted_on=datetime.date(2005, 6, 1))
    changed = render_fund_chart_svg(fund_statement(AS_OF))
    assert changed != first
    assert _fund_chart_svg.cache_info().hits == hits + 1  # drawn afresh, not served stale
    assert "2005/6 Actual" in changed
