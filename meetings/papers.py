"""What a paper says, as HTML, whatever its source.

A paper's content is, in this order: what the co-ordinator typed, a sub-group update or annual
report recorded on the intranet (rendered from the same partials as their own pages), and an
uploaded Word file converted to HTML. Uploaded PDFs are merged into packs as they are.
"""

from django.utils.safestring import mark_safe

from subgroups.reports import (
    get_annual_report,
    get_update,
    render_annual_report_html,
    render_update_html,
)
from wkp.sanitise import clean_html

from .uploads import docx_html


def paper_html(paper):
    """The paper's content as HTML that is safe to show.

    What people wrote (typed content, Word files) goes through the sanitiser; fragments the app
    renders from its own templates (which escape every value) are kept as they are, so their
    tables, classes and charts survive.
    """
    parts = []
    if paper.body_html:
        parts.append(clean_html(paper.body_html))
    if paper.subgroup_update_id:
        parts.append(render_update_html(get_update(paper.subgroup_update_id)))
    if paper.annual_report_id:
        parts.append(render_annual_report_html(get_annual_report(paper.annual_report_id)))
    if paper.file and paper.file_kind == "docx":
        with paper.file.open("rb") as handle:
            parts.append(clean_html(docx_html(handle.read())))
    return mark_safe("\n".join(parts))  # noqa: S308 - user parts cleaned, app parts escaped
