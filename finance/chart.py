"""The fund chart: pygal renders server-side SVG; we then turn its <style> sheet into
presentation attributes, because the site's CSP forbids inline styles (a <style> element inside
inline SVG is blocked in browsers) while WeasyPrint needs the look in the markup itself."""

import pygal
from lxml import etree
from pygal.style import Style

from . import ledger

SVG_NS = "http://www.w3.org/2000/svg"
COLOURS = ("#1d5c3a", "#b5651d", "#3f6fb5")
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#999999",
    colors=COLOURS,
    font_family=FONT,
    title_font_size=18,
    legend_font_size=14,
    label_font_size=12,
    major_label_font_size=12,
)


def _classes(element):
    return set((element.get("class") or "").split())


def _text_size(element, classes):
    """The sizes pygal laid the chart out for (its stylesheet sets them; we drop the sheet)."""
    if "title" in classes:
        return str(CHART_STYLE.title_font_size)
    ancestors = set()
    for parent in element.iterancestors():
        ancestors |= _classes(parent)
    if "legend" in ancestors:
        return str(CHART_STYLE.legend_font_size)
    return str(CHART_STYLE.label_font_size)


def _inline_presentation(svg_text, label):
    root = etree.fromstring(svg_text.encode())
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        classes = _classes(element)
        if tag in {"style", "script"} or (classes & {"tooltip", "tooltip-overlay"}):
            if element.getparent() is not None:
                element.getparent().remove(element)
            continue
        ancestors = set()
        for parent in element.iterancestors():
            ancestors |= _classes(parent)
        if ("showable" in classes and "shown" not in classes) or (
            "guide" in classes and {"axis", "x"} <= ancestors
        ):
            element.getparent().remove(element)
            continue
        if "style" in element.attrib:
            del element.attrib["style"]
        if "background" in classes:
            element.set("fill", "#ffffff")
        for n, colour in enumerate(COLOURS):
            if f"color-{n}" in classes:
                element.set("fill", colour)
                element.set("stroke", colour)
        if tag in {"path", "line"} and ("line" in classes or "guide" in classes):
            element.set("fill", "none")
            element.set("stroke", "#bbbbbb" if "guide" in classes else "#444444")
            element.set("stroke-width", "1")
        if tag == "text":
            element.set("font-family", FONT)
            element.set("fill", "#111111")
            element.set("font-size", _text_size(element, classes))
            if "title" in classes or "no_data" in classes or {"axis", "x"} <= ancestors:
                element.set("text-anchor", "middle")
            elif {"axis", "y"} <= ancestors:
                element.set("text-anchor", "end")
    # Drop pygal's generator comments (they carry the render date, which would change output).
    for comment in root.xpath("//comment()"):
        comment.getparent().remove(comment)
    root.attrib.pop("id", None)
    # An accessible name for the picture; the table beside it carries the same figures.
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("class", "pygal-chart fund-chart")
    return etree.tostring(root, encoding="unicode")


def fund_chart_svg(statement):
    """Income, total spend and carried forward by year for a FundStatement, as SVG markup."""
    chart = pygal.Bar(
        js=[],
        css=[],
        disable_xml_declaration=True,
        style=CHART_STYLE,
        width=800,
        height=420,
        title=f"Fund by year (as of {statement.as_of.day} {statement.as_of:%B %Y})",
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
    return _inline_presentation(
        chart.render(is_unicode=True),
        "Bar chart of income, total spend and balance carried forward by year",
    )
