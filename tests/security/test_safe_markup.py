"""Every place that switches Django's auto-escaping off is on a reviewed list.

A new mark_safe, |safe, safeseq, SafeString or {% autoescape off %} fails this test until someone
reviews it and adds it below with the reason it is safe.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "tests", "static", "staticfiles", "media", ".git", "build"}
PATTERN = re.compile(
    r"mark_safe\(|\|\s*safe\b|\|\s*safeseq\b|SafeString\(|SafeText\(|autoescape\s+off"
    r"|__html__|\bsafe_join\b"
)

# (file, the line as written, why it is safe)
REVIEWED = {
    (
        "wkp/templatetags/wkp_format.py",
        "return mark_safe(  # noqa: S308 - adds a style built from digits only",
    ): "list_starts: the print base's rendered (already escaped) body, with a counter-reset of"
    " digits added to <ol start> tags",
    (
        "wkp/templatetags/wkp_format.py",
        "return mark_safe(clean_html(value))  # noqa: S308 - cleaned by the nh3 allow-list",
    ): "rich text through wkp.sanitise.clean_html (allow-list, no attributes but href/title)",
    (
        "subgroups/templatetags/subgroups_format.py",
        "return mark_safe(clean_html(inline_html(text)))  # noqa: S308 - escaped, then nh3-cleaned",
    ): "inline_html escapes the text first; clean_html then allows only the listed tags",
    (
        "finance/reports.py",
        "return mark_safe(fund_chart_svg(statement))  # noqa: S308",
    ): "SVG drawn by pygal from numbers and year labels; pygal escapes its text; js=[]",
    (
        "meetings/papers.py",
        'return mark_safe("\\n".join(part for part in parts if part))  # noqa: S308 - user parts '
        "cleaned, app parts escaped",
    ): "every user part passes clean_html; app-made parts are rendered by autoescaped templates",
    (
        "meetings/pack.py",
        "html=mark_safe(html),  # noqa: S308 - stored from paper_html, which cleans what "
        "people wrote",
    ): "the issued words as issue_pack stored them from paper_html (cleaned as above); only the "
    "app writes packs/ in storage",
    (
        "meetings/search.py",
        'return mark_safe(safe.replace("⟦", "<mark>").replace("⟧", "</mark>"))  # noqa: S308',
    ): "the whole headline is escaped first; only <mark>/</mark> are put back",
    (
        "meetings/search.py",
        "return mark_safe(prefix + safe + suffix)  # noqa: S308 - escaped above",
    ): "the snippet is escaped first; the only markup added is <mark> around matched words",
    (
        "meetings/fragments.py",
        "return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered",
    ): "HTML that render_to_string made from an autoescaped fragment template, kept in the cache",
    (
        "finance/views.py",
        'report_html=mark_safe(page["report_html"]),  # noqa: S308 - our templates\' output',
    ): "render_to_string output of our autoescaped templates, kept by wkp.table_versions.cached",
    (
        "finance/views.py",
        'chart_html=mark_safe(page["chart_html"]),  # noqa: S308',
    ): "pygal's SVG of the statement's numbers (as finance/reports.py), kept in the cache",
    (
        "meetings/views/follow.py",
        "return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered",
    ): "render_to_string output of our autoescaped templates, kept by wkp.table_versions.cached",
    (
        "meetings/views/reading.py",
        'context = {"papers_html": mark_safe(html), "nav_section": self.nav_section}  # noqa: S308',
    ): "render_to_string output of our autoescaped templates, kept by wkp.table_versions.cached",
    (
        "subgroups/views.py",
        'context["comparison_html"] = mark_safe(page["comparison_html"])  # noqa: S308',
    ): "render_to_string output of our autoescaped templates, kept by wkp.table_versions.cached",
    (
        "templates/meetings/email/notice.txt",
        "{% autoescape off %}Dear {{ user.get_full_name|default:user.username }},",
    ): "the text/plain part of an e-mail: nothing there is parsed as HTML",
}


def source_files():
    for path in ROOT.rglob("*"):
        if path.suffix not in {".py", ".html", ".txt", ".xml", ".svg"} or not path.is_file():
            continue
        relative = path.relative_to(ROOT)
        if relative.parts[0] in SKIP or "migrations" in relative.parts:
            continue
        yield relative, path


def unescaped_uses():
    found = set()
    for relative, path in source_files():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if PATTERN.search(line):
                found.add((str(relative), line.strip()))
    return found


def test_every_unescaped_output_is_reviewed():
    unreviewed = sorted(unescaped_uses() - set(REVIEWED))
    assert unreviewed == [], "review these, then add them to REVIEWED with a reason"


def test_the_reviewed_list_has_no_stale_entries():
    assert sorted(set(REVIEWED) - unescaped_uses()) == []


def test_the_scan_finds_a_new_use(tmp_path, monkeypatch):
    assert PATTERN.search("{{ paper.body_html|safe }}")
    assert PATTERN.search("{% autoescape off %}")
    assert PATTERN.search("x = mark_safe(y)")
    assert not PATTERN.search("{{ paper.title }}")
