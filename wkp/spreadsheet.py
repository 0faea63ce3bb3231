"""The one rule for cells written to CSV or XLSX files (the admin's exports, finance's exports)."""

# A spreadsheet program reads a text cell starting with one of these as a formula and may run it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Text that a spreadsheet would read as a formula, with an apostrophe in front (so it is
    shown as text); numbers, dates and None are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
