import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.finance.test_seed_statement import SEED_TABLE

AS_OF = "?as_of=2006-07-14"


@pytest.mark.django_db
def test_statement_page_shows_the_seed_table_and_an_inline_chart(seed_ledger, member_client):
    response = member_client.get(reverse("finance:statement_detail") + AS_OF)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>WKP Financial Report - July 2006</caption>" in html
    assert '<th scope="col" class="num text-end">2006/7 Projected</th>' in html
    assert '<th scope="row">2006/7 project funding available</th>' in html
    assert "55971" in html
    assert "<svg" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<style" not in html
    assert 'style="' not in html


@pytest.mark.django_db
def test_statement_csv_matches_the_page(seed_ledger, member_client):
    response = member_client.get(reverse("finance:statement_csv") + AS_OF)

    assert response.status_code == 200
    import csv

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["WKP Financial Report - July 2006", "", "", "", "", ""]
    assert rows[1:] == SEED_TABLE
    # Every row has as many fields as the table is wide, the title row too.
    assert {len(row) for row in rows} == {len(SEED_TABLE[0])}


@pytest.mark.django_db
def test_statement_csv_is_utf8_with_a_byte_order_mark_for_excel(seed_ledger, member_client):
    import csv

    from finance.models import ExternalFunding

    funding = ExternalFunding.objects.select_related("funder").get(pk=1)
    funding.funder.name, funding.funder.short_name = "Dŵr Cymru", ""
    funding.funder.save()
    funding.name = "£25,000 for water safety"
    funding.save()

    response = member_client.get(reverse("finance:statement_csv") + AS_OF)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "WKP Financial Report - July 2006"
    labels = [row[0] for row in rows]
    assert "External Funding (Dŵr Cymru)" in labels
    assert "£25,000 for water safety" in labels


@pytest.mark.django_db
def test_statement_xlsx_opens_and_matches_the_page(seed_ledger, member_client):
    response = member_client.get(reverse("finance:statement_xlsx") + AS_OF)

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "WKP Financial Report - July 2006"
    as_text = [["" if v is None else str(v) for v in row] for row in rows[1:]]
    assert as_text == SEED_TABLE
    assert rows[2][1] == 50000  # numbers are numbers, not text


@pytest.mark.django_db
def test_statement_xlsx_figures_are_numbers_in_pounds_with_thousands(seed_ledger, member_client):
    """Read with openpyxl alone: the workbook needs no LibreOffice to be made or checked."""
    response = member_client.get(reverse("finance:statement_xlsx") + AS_OF)

    sheet = load_workbook(io.BytesIO(response.content)).active
    figures = [cell for row in sheet.iter_rows(min_row=3, min_col=2) for cell in row]
    numbers = [cell for cell in figures if cell.value is not None]
    assert len(numbers) == sum(1 for row in SEED_TABLE[1:] for value in row[1:] if value != "")
    for cell in numbers:
        assert cell.data_type == "n" and isinstance(cell.value, int), cell.coordinate
        assert cell.number_format == '"£"#,##0;-"£"#,##0', cell.coordinate
    assert sheet["F3"].value == 215000
    assert sheet["A1"].value == "WKP Financial Report - July 2006"


@pytest.mark.django_db
def test_statement_pdf_text_contains_the_table_figures(seed_ledger, member_client):
    response = member_client.get(reverse("finance:statement_pdf") + AS_OF)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    # Narrow cells wrap; join the lines again (and a label broken after a hyphen).
    text = " ".join(" ".join(page.extract_text() for page in pages).replace("-\n", "-").split())
    assert "WKP Financial Report - July 2006" in text
    for row in SEED_TABLE:
        for cell in row:
            assert cell in text, cell
    # The chart's own text (title, axis labels, legend) is in the PDF too.
    assert "Fund by year (as of 14 July 2006)" in text
    assert "Balance carried forward" in text
    assert "£90,000" in text


class _TableCells(HTMLParser):
    """Collects the text of each row of the first table on a page."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.in_table, self.done = [], None, False, False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and not self.done:
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table, self.done = False, True
        elif self.in_table and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.mark.django_db
def test_statement_exports_match_the_page_cell_for_cell(seed_ledger, member_client):
    import csv

    page = member_client.get(reverse("finance:statement_detail") + AS_OF).content.decode()
    parser = _TableCells()
    parser.feed(page)
    csv_rows = list(
        csv.reader(
            member_client.get(reverse("finance:statement_csv") + AS_OF)
            .content.decode("utf-8-sig")
            .splitlines()
        )
    )
    sheet = load_workbook(
        io.BytesIO(member_client.get(reverse("finance:statement_xlsx") + AS_OF).content)
    ).active
    xlsx_rows = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]

    assert parser.rows == csv_rows[1:]
    assert parser.rows == xlsx_rows[1:]
    assert len(parser.rows) == 22
