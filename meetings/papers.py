"""What a paper says, as HTML, whatever its source.

A paper's content is, in this order: what the co-ordinator typed, a sub-group update or annual
report recorded on the intranet (rendered from the same partials as their own pages), and an
uploaded Word file as converted to HTML (and sanitised) once, at upload. Uploaded PDFs are merged
into packs as checked and cleaned at upload.
"""

from django.utils.safestring import mark_safe

from finance.reports import render_event_budget_html, render_fund_report_html
from subgroups.reports import (
    get_annual_report,
    get_update,
    render_annual_report_html,
    render_update_html,
)
from wkp.sanitise import clean_html

from .minutes import minutes_html

BUDGET_MARK = "<!-- event budget -->"
NOT_CHECKED = (
    "<p><em>The uploaded Word document has not been checked yet, so it cannot be shown here. "
    "The co-ordinator can check it (manage.py process_uploads) or upload it again.</em></p>"
)


def finance_html(paper):
    """The financial report and event budget the paper embeds, frozen once a pack is issued."""
    if paper.frozen_html:
        return paper.frozen_html
    report = render_fund_report_html(paper.fund_report_as_of) if paper.fund_report_as_of else ""
    budget = render_event_budget_html(paper.event_budget_id) if paper.event_budget_id else ""
    return f"{report}{BUDGET_MARK}{budget}" if report or budget else ""


def paper_html(paper, as_of=None):
    """The paper's content as HTML that is safe to show, with date-dependent wording ("overdue")
    judged as of `as_of` (default today; packs pass their issue date).

    What people wrote (typed content, Word files) goes through the sanitiser; fragments the app
    renders from its own templates (which escape every value) are kept as they are, so their
    tables, classes and charts survive.
    """
    parts = []
    # As in the seed's Paper B: the financial report leads, an event's budget follows the text.
    report, _, budget = finance_html(paper).partition(BUDGET_MARK)
    parts.append(report)
    if paper.body_html:
        parts.append(clean_html(paper.body_html))
    parts.append(budget)
    if paper.minutes_of_id:
        parts.append(minutes_html(paper.minutes_of, as_of=as_of))
    if paper.subgroup_update_id:
        parts.append(render_update_html(get_update(paper.subgroup_update_id)))
    if paper.annual_report_id:
        parts.append(render_annual_report_html(get_annual_report(paper.annual_report_id)))
    if paper.file and paper.file_kind == "docx":
        # Converted once, at upload, in a bounded child (meetings/uploads.py); never here.
        parts.append(clean_html(paper.file_html) if paper.file_checked_at else NOT_CHECKED)
    return mark_safe("\n".join(part for part in parts if part))  # noqa: S308 - user parts cleaned, app parts escaped
