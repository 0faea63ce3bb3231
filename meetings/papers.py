"""What a paper says, as HTML, whatever its source: typed content or a Word file."""

from wkp.sanitise import clean_html

from .uploads import docx_html


def paper_html(paper):
    """The paper's content as clean HTML (typed content first, then a converted Word file)."""
    parts = []
    if paper.body_html:
        parts.append(paper.body_html)
    if paper.file and paper.file_kind == "docx":
        with paper.file.open("rb") as handle:
            parts.append(docx_html(handle.read()))
    return clean_html("\n".join(parts))
