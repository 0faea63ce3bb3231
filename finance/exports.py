"""The fund statement as CSV and XLSX, cell for cell what the page shows.

Text cells that a spreadsheet would read as a formula (starting = + - @, or a tab or carriage
return) are prefixed with an apostrophe (wkp/spreadsheet.py)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from wkp.spreadsheet import escape_formula

# Whole pounds with a pound sign and thousands separators, as numbers a spreadsheet can add up.
POUNDS_FORMAT = '"£"#,##0;-"£"#,##0'


def statement_csv(statement):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    table = statement.as_table()
    # The title row is as wide as the table, so every row has the same number of fields.
    writer.writerow([escape_formula(statement.title)] + [""] * (len(table[0]) - 1))
    for row in table:
        writer.writerow([escape_formula(cell) for cell in row])
    return buffer.getvalue()


def statement_xlsx(statement):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Fund statement"
    sheet.append([escape_formula(statement.title)])
    sheet["A1"].font = Font(bold=True)
    table = statement.as_values()
    for row in table:
        sheet.append([escape_formula(cell) for cell in row])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    headings = {row.label for row in statement.rows if row.is_heading}
    for cells in sheet.iter_rows(min_row=3):
        if cells[0].value in headings:
            cells[0].font = Font(bold=True)
        for cell in cells[1:]:
            if isinstance(cell.value, int):
                cell.number_format = POUNDS_FORMAT
    sheet.column_dimensions["A"].width = 38
    for letter in "BCDEFGHIJKLMN"[: len(table[0]) - 1]:
        sheet.column_dimensions[letter].width = 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
