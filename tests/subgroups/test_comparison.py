import base64
import io
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from pypdf import PdfReader

from subgroups import reports
from subgroups.models import CrimeFigure
from wkp.pdf import render_pdf_once


def rate_row(html):
    match = re.search(r"Crimes per 1,000 population</th>(.*?)</tr>", html, re.S)
    return re.findall(r'<td class="num">(.*?)</td>', match.group(1))


def test_comparison_page_shows_sevenoaks_and_tonbridge_malling_per_1000(seed, member_client):
    response = member_client.get(reverse("subgroups:comparison"), {"period": "2005-2006"})

    assert response.status_code == 200
    html = response.content.decode()
    assert rate_row(html) == ["72 per 1,000", "70 per 1,000", "not reported"]
    headers = re.findall(r'<th scope="col" class="num">(.*?)</th>', html)[:3]
    assert headers == ["Sevenoaks", "Tonbridge &amp; Malling", "Tunbridge Wells"]
    assert "0.072" not in html.replace("“0.072 crimes per head”", "")


def test_comparison_page_lists_changes_by_category_side_by_side(seed, member_client):
    response = member_client.get(reverse("subgroups:comparison"), {"period": "2005-2006"})

    html = response.content.decode()
    assert re.search(r"Criminal damage</th><td[^>]*>–</td><td[^>]*>–</td><td[^>]*>−4.1%</td>", html)
    assert re.search(
        r"Domestic burglary \(dwellings\)</th><td[^>]*>–</td><td[^>]*>356 \(−22\)</td>"
        r"<td[^>]*>378 \(\+5.9%\)</td>",
        html,
    )


def test_comparison_chart_is_a_pygal_svg_with_the_rates(seed):
    comparison = reports.compare_districts(2005, 2006)

    svg = base64.b64decode(comparison.rate_chart.split(",", 1)[1]).decode()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:400]
    assert ">72<" in svg and ">70<" in svg
    assert "<script" not in svg or 'src="' not in svg
    assert comparison.rate_chart_alt.endswith("Sevenoaks 72; Tonbridge & Malling 70.")


def test_a_changed_figure_draws_new_charts_never_a_kept_one(seed):
    def svg(data_url):
        return base64.b64decode(data_url.split(",", 1)[1]).decode()

    before = reports.compare_districts(2005, 2006)
    again = reports.compare_districts(2005, 2006)
    assert again.rate_chart == before.rate_chart  # drawn once, kept under its figures
    figure = CrimeFigure.objects.get(
        report__body__district="Sevenoaks", report__start_year=2005, category="all", area=""
    )
    figure.rate_per_1000 = Decimal("81")
    figure.change_percent = Decimal("12.5")
    figure.save()

    after = reports.compare_districts(2005, 2006)
    assert ">81<" in svg(after.rate_chart) and ">72<" not in svg(after.rate_chart)
    assert "+12.5%" in svg(after.change_chart) and after.change_chart != before.change_chart


def test_comparison_renders_in_pdf_with_the_same_figures(seed):
    # The comparison partial (chart as a data URL included) typeset in the house print style.
    comparison = reports.compare_districts(2005, 2006)
    document = Template(
        '{% extends "pdf/base.html" %}{% block pdf_body %}{{ body }}{% endblock %}'
    ).render(Context({"body": reports.render_comparison_html(comparison)}))
    pdf = render_pdf_once(document, name=comparison.title)

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "72 per 1,000 70 per 1,000" in text
    assert "11th of 13" in text


@pytest.mark.parametrize("period", ["rubbish", "2006-2005", "1-2", "2005-2006-2007", ""])
def test_comparison_page_survives_a_bad_period(seed, member_client, period):
    response = member_client.get(reverse("subgroups:comparison"), {"period": period})

    assert response.status_code == 200
    assert "72 per 1,000" in response.content.decode()


def test_comparison_page_with_no_reports_says_so(db, member_client):
    response = member_client.get(reverse("subgroups:comparison"))

    assert response.status_code == 200
    assert "No annual reports with crime figures have been recorded yet." in (
        response.content.decode()
    )
