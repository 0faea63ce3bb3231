"""The one chart style and pipeline (finance's fund chart, sub-groups' comparison charts).

pygal renders server-side SVG; its <style> sheet is then turned into presentation attributes,
because the site's CSP forbids inline styles (a <style> element inside inline SVG is blocked in
browsers) while WeasyPrint needs the look in the markup itself. Charts carry no script (js=[]).
"""

import base64

from lxml import etree
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"
COLOURS = ("#1d5c3a", "#8a5a00", "#2c5aa0", "#7a1f4d", "#4d4d4d")
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#999999",
    colors=COLOURS,
    font_family=FONT,
    title_font_size=16,
    legend_font_size=12,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=12,
)


def new_chart(chart_class, *, title, **options):
    """A pygal chart of `chart_class` in the house style, with no script and no stylesheet."""
    settings = {
        "js": [],
        "css": [],
        "disable_xml_declaration": True,
        "style": CHART_STYLE,
        "title": title,
    }
    settings.update(options)
    return chart_class(**settings)


def chart_svg(chart, *, label, css_class):
    """The chart as SVG markup to put in a page or a PDF: presentation attributes instead of a
    stylesheet, no tooltips or generator comments, and `label` as its accessible name."""
    return _inline_presentation(chart.render(is_unicode=True), label, css_class)


def svg_data_url(svg):
    """SVG markup as a data: URL, for an <img> (which carries its own alt text)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


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


def _inline_presentation(svg_text, label, css_class):
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
    root.set("class", f"pygal-chart {css_class}")
    return etree.tostring(root, encoding="unicode")
