"""The fund chart, drawn in the house chart style and pipeline (wkp/charts.py)."""

import pygal

from wkp.charts import chart_svg, new_chart
from wkp.templatetags.wkp_format import short_date

from . import ledger


def fund_chart_svg(statement):
    """Income, total spend and carried forward by year for a FundStatement, as SVG markup."""
    chart = new_chart(
        pygal.Bar,
        width=800,
        height=420,
        title=f"Fund by year (as of {short_date(statement.as_of)})",
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        value_formatter=lambda v: f"£{v:,.0f}",
    )
    chart.x_labels = [c.heading for c in statement.columns]
    figures = statement.figures
    chart.add("Income", [int(ledger.whole_pounds(f.income)) for f in figures])
    chart.add("Total spend", [int(ledger.whole_pounds(f.total_spend)) for f in figures])
    chart.add(
        "Balance carried forward", [int(ledger.whole_pounds(f.carried_forward)) for f in figures]
    )
    return chart_svg(
        chart,
        label="Bar chart of income, total spend and balance carried forward by year",
        css_class="fund-chart",
    )
