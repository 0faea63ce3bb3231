"""Number formats for figures, shared by pages, PDFs and charts. Pure: no ORM."""

from decimal import Decimal, InvalidOperation

MINUS = "\u2212"


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_number(value):
    """72, 0.3, 1,234.5: no trailing zeros, thousands separators, a true minus sign."""
    number = _decimal(value)
    if number is None:
        return ""
    text = f"{abs(number):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{MINUS}{text}" if number < 0 else text


def format_change(value):
    """+0.3%, −4.1%, 0% (no change)."""
    text = format_count_change(value)
    return f"{text}%" if text else ""


def format_count_change(value):
    """+12, −22."""
    number = _decimal(value)
    if number is None:
        return ""
    sign = "+" if number > 0 else ""
    return f"{sign}{format_number(number)}"


def ordinal(value):
    """1st, 2nd, 11th, 13th, 22nd."""
    if value is None or value == "":
        return ""
    number = int(value)
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
