"""The fund chart, drawn in the house chart style and pipeline (wkp/charts.py)."""

import functools

import pygal

from wkp.charts import chart_svg, new_chart
from wkp.templatetags.wkp_format import short_date

from . import ledger


def fund_chart_svg(statement):
    """Income, total spend and carried forward by year for a FundStatement, as SVG markup."""
    figures = statement.figures
    return _fund_chart_svg(
        short_date(statement.as_of),
        tuple(c.heading for c in statement.columns),
        tuple(int(ledger.whole_pounds(f.income)) for f in figures),
        tuple(int(ledger.whole_pounds(f.total_spend)) for f in figures),
        tuple(int(ledger.whole_pounds(f.carried_forward)) for f in figures),
    )


# The chart is a pure function of the figures it draws, and drawing it costs more than the
# page's queries (issue 18): it is kept per process under exactly those figures (its cache key),
# so a changed figure draws a new chart and a stale one is never shown.
@functools.lru_cache(maxsize=64)
def _fund_chart_svg(as_of, headings, income, total_spend, carried_forward):
    chart = new_chart(
        pygal.Bar,
        width=800,
        height=420,
        title=f"Fund by year (as of {as_of})",
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        value_formatter=lambda v: f"£{v:,.0f}",
    )
    chart.x_labels = list(headings)
    chart.add("Income", list(income))
    chart.add("Total spend", list(total_spend))
    chart.add("Balance carried forward", list(carried_forward))
    return chart_svg(
        chart,
        label="Bar chart of income, total spend and balance carried forward by year",
        css_class="fund-chart",
    )
