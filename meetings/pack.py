"""The meeting pack: cover, agenda, then every paper in agenda order, as one PDF.

How it is built (DESIGN.md, "The meeting pack"):
1. `gather_pack` collects everything in a fixed number of queries into a frozen dataclass.
2. Each paper becomes a *part*: authored papers (typed content, Word files, embedded reports)
   are typeset alone with WeasyPrint, once per content fingerprint, and cached in storage;
   uploaded PDFs are used as they are (their page count is known from upload).
3. WeasyPrint lays out the *frame*: cover, agenda and contents for real, then for each paper as
   many blank pages as its part has, carrying the running header, the footer "page N of M",
   the bookmarks and the link targets. Page numbers in the agenda come from CSS target-counter,
   so they are true for the whole pack.
4. pikepdf lays each part's pages over its frame pages (uploaded pages scaled into the body
   area), keeping the frame's page objects so links and bookmarks stay valid.
So a change to one paper re-typesets only that paper and the frame.
"""

import hashlib
import io
import logging
from dataclasses import dataclass, field

import pikepdf
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from wkp.pdf import PdfRenderError, anchor_pages, render_document, render_pdf, write_document

from .agenda import load_agenda, walk
from .minutes import outstanding_actions
from .models import Paper
from .papers import paper_html
from .schedule import next_meetings

logger = logging.getLogger(__name__)

# Bump when the print templates or styles change in a way that alters typeset papers.
PRINT_STYLE_VERSION = "2006.1"
# The body area of an A4 page inside the print margins (22 mm top and bottom, 18 mm sides).
MM = 72 / 25.4
BODY_RECT = pikepdf.Rectangle(18 * MM, 22 * MM, (210 - 18) * MM, (297 - 22) * MM)


@dataclass(frozen=True)
class PackPaper:
    paper: Paper
    label: str
    heading: str
    kind: str  # "authored", "upload" or "separate"
    html: str
    fingerprint: str
    item_label: str = ""


@dataclass(frozen=True)
class PackGroup:
    label: str
    papers: tuple


@dataclass(frozen=True)
class PackContent:
    meeting: object
    agenda: list
    next_meetings: list
    papers: tuple  # merged into the pack, in agenda order
    separate: tuple  # listed, not merged
    groups: tuple  # for the outline: agenda item → its papers
    outstanding_actions: tuple = ()
    changes: tuple = ()
    version: int | None = None

    @property
    def fingerprint(self):
        digest = hashlib.sha256()
        digest.update(PRINT_STYLE_VERSION.encode())
        digest.update(_style_bytes())
        for entry in self.papers + self.separate:
            digest.update(f"{entry.paper.letter}:{entry.fingerprint}".encode())
        digest.update(_meeting_key(self.meeting).encode())
        for node in walk(self.agenda):
            digest.update(f"{node.number}|{node.item.title}|{node.presenters}".encode())
        for meeting in self.next_meetings:
            digest.update(_meeting_key(meeting).encode())
        for action in self.outstanding_actions:
            owners = [p.name for p in action.owner_people.all()]
            owners += [o.label for o in action.owner_organisations.all()]
            digest.update(
                f"{action.number}|{action.description}|{owners}|{action.target_date}|"
                f"{action.status}|{action.notes}".encode()
            )
        return digest.hexdigest()


@dataclass
class BuiltPack:
    pdf: bytes
    page_count: int
    page_map: dict
    papers: dict
    fingerprint: str
    notices: list = field(default_factory=list)


def _meeting_key(meeting):
    return "|".join(
        str(value)
        for value in (
            meeting.pk,
            meeting.display_title,
            meeting.date,
            meeting.start_time,
            meeting.venue.name if meeting.venue else "",
            meeting.contact_officer.name if meeting.contact_officer else "",
            meeting.note,
            meeting.replaces_date,
            meeting.status,
        )
    )


_STYLE_CACHE = {}
# The stylesheets templates/pdf/base.html links: a change to them re-typesets every paper.
PRINT_STYLESHEETS = ("css/print.css", "finance/print.css")


def _style_bytes():
    if "print" not in _STYLE_CACHE:
        data = b""
        for name in PRINT_STYLESHEETS:
            with open(finders.find(name), "rb") as handle:
                data += handle.read()
        _STYLE_CACHE["print"] = data
    return _STYLE_CACHE["print"]


def paper_heading(paper):
    return f"{paper.label} – {paper.title}" if paper.letter else paper.title


def paper_fingerprint(paper, html, meeting):
    digest = hashlib.sha256()
    for value in (
        PRINT_STYLE_VERSION,
        paper.letter,
        paper.title,
        paper.status,
        paper.author_organisation.name if paper.author_organisation else "",
        paper.file_sha256,
        html,
        str(meeting.date),
        meeting.display_title,
    ):
        digest.update(str(value).encode())
        digest.update(b"\x00")
    digest.update(_style_bytes())
    return digest.hexdigest()


def pack_entry(paper, meeting, item_label=""):
    if paper.separate_attachment:
        kind = "separate"
    elif paper.file_kind == "pdf" and paper.file and not paper.is_to_follow:
        kind = "upload"
    else:
        kind = "authored"
    html = paper_html(paper) if kind == "authored" else ""
    return PackPaper(
        paper=paper,
        label=paper.label,
        heading=paper_heading(paper),
        kind=kind,
        html=html,
        fingerprint=paper_fingerprint(paper, html, meeting),
        item_label=item_label,
    )


def gather_pack(meeting, *, changes=(), version=None):
    """Everything the pack shows, in agenda order, with withdrawn papers left out."""
    nodes, papers = load_agenda(meeting)
    first_item = {}
    for node in walk(nodes):
        for paper in node.papers:
            label = f"{node.number}. {node.item.title}" if node.number else node.item.title
            first_item.setdefault(paper.pk, label)
    merged, separate, groups = [], [], {}
    for paper in papers:
        if paper.is_withdrawn or not paper.letter:
            continue
        entry = pack_entry(paper, meeting, first_item.get(paper.pk, "Other papers"))
        if entry.kind == "separate":
            separate.append(entry)
        else:
            merged.append(entry)
            groups.setdefault(entry.item_label, []).append(entry)
    return PackContent(
        meeting=meeting,
        agenda=nodes,
        next_meetings=next_meetings(meeting),
        outstanding_actions=tuple(outstanding_actions(meeting)),
        papers=tuple(merged),
        separate=tuple(separate),
        groups=tuple(PackGroup(label, tuple(entries)) for label, entries in groups.items()),
        changes=tuple(changes),
        version=version,
    )


# ---- Parts


def _cached(path, make):
    """Read a rendered file from storage, or make and store it (keyed by content fingerprint)."""
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as handle:
            return handle.read()
    data = make()
    default_storage.save(path, ContentFile(data))
    return data


def authored_part(entry, meeting):
    """The paper typeset alone, without header or footer: laid over the pack's frame pages."""

    def make():
        html = render_to_string(
            "meetings/pdf/paper_part.html", {"entry": entry, "meeting": meeting}
        )
        return render_pdf(html, name=entry.heading, tagged=False)

    return _cached(f"renders/parts/{entry.fingerprint}.pdf", make)


def notice_part(entry, meeting, message):
    html = render_to_string(
        "meetings/pdf/paper_part.html", {"entry": entry, "meeting": meeting, "notice": message}
    )
    return render_pdf(html, name=entry.heading, tagged=False)


def part_for(entry, meeting, notices):
    """The part's PDF bytes and whether it is an upload (scaled into the body area)."""
    if entry.kind == "upload":
        try:
            with entry.paper.file.open("rb") as handle:
                data = handle.read()
            with pikepdf.open(io.BytesIO(data)) as pdf:
                if len(pdf.pages) == 0:
                    raise ValueError("no pages")
            return data, True
        except Exception as error:  # A bad file must never break the pack.
            logger.warning("Pack: %s could not be merged: %s", entry.heading, error)
            message = f"{entry.heading} could not be included: its file is damaged or unreadable."
            notices.append(message)
            return notice_part(entry, meeting, message), False
    try:
        return authored_part(entry, meeting), False
    except PdfRenderError as error:
        notices.append(str(error))
        return notice_part(entry, meeting, f"{error} Please see the paper on the intranet."), False


def _page_count(data):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


# ---- Assembly


def build_pack(content):
    """Typeset the pack for `content` (see the module docstring for how)."""
    meeting = content.meeting
    notices = []
    parts = {}
    for entry in content.papers:
        data, is_upload = part_for(entry, meeting, notices)
        parts[entry.paper.letter] = (data, is_upload, _page_count(data))

    frame_html = render_to_string(
        "meetings/pdf/pack.html",
        {
            "content": content,
            "meeting": meeting,
            "frames": [
                (entry, range(parts[entry.paper.letter][2] - 1)) for entry in content.papers
            ],
            "notices": notices,
        },
    )
    name = f"The pack for {meeting}"
    document = render_document(frame_html, name=name)
    anchors = anchor_pages(document)
    frame_pdf = write_document(document, name=name, tagged=False)

    page_map, states = {}, {}
    with pikepdf.open(io.BytesIO(frame_pdf)) as pack:
        for entry in content.papers:
            letter = entry.paper.letter
            data, is_upload, count = parts[letter]
            start = anchors[f"paper-{letter}"]
            page_map[letter] = [start + 1, start + count]
            with pikepdf.open(io.BytesIO(data)) as part:
                for offset, part_page in enumerate(part.pages):
                    frame_page = pack.pages[start + offset]
                    frame_page.add_overlay(part_page, BODY_RECT if is_upload else None)
        for entry in content.papers + content.separate:
            states[entry.paper.letter] = {
                "title": entry.paper.title,
                "status": entry.paper.status,
                "kind": entry.kind,
                "fingerprint": entry.fingerprint,
            }
        _set_metadata(pack, meeting, f"Meeting pack – {meeting.display_title}")
        output = io.BytesIO()
        pack.save(output, deterministic_id=True)
        page_count = len(pack.pages)
    return BuiltPack(
        pdf=output.getvalue(),
        page_count=page_count,
        page_map=page_map,
        papers=states,
        fingerprint=content.fingerprint,
        notices=notices,
    )


def _set_metadata(pdf, meeting, title):
    now = timezone.now()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["xmp:CreateDate"] = now.isoformat()
        meta["dc:title"] = title
        meta["dc:creator"] = ["West Kent Partnership"]
        meta["dc:description"] = f"{meeting.display_title}, {meeting.date:%d %B %Y}"
        meta["dc:language"] = ["en-GB"]
    pdf.Root.Lang = pikepdf.String("en-GB")
    pdf.docinfo["/Title"] = title
    pdf.docinfo["/Author"] = "West Kent Partnership"
    pdf.docinfo["/Subject"] = f"{meeting.display_title}, {meeting.date:%d %B %Y}"
    pdf.docinfo["/CreationDate"] = now.strftime("D:%Y%m%d%H%M%SZ")


# ---- Single papers


def paper_pdf(paper):
    """One paper alone with its header and footer; tagged when WeasyPrint typesets it whole."""
    meeting = paper.meeting
    entry = pack_entry(paper, meeting)
    if entry.kind == "upload":
        content = PackContent(
            meeting=meeting,
            agenda=[],
            next_meetings=[],
            papers=(entry,),
            separate=(),
            groups=(PackGroup(entry.heading, (entry,)),),
        )
        return _cached(
            f"renders/papers/{entry.fingerprint}-upload.pdf", lambda: _single_upload(content)
        )

    def make():
        html = render_to_string("meetings/pdf/paper.html", {"entry": entry, "meeting": meeting})
        return render_pdf(html, name=entry.heading, tagged=True)

    return _cached(f"renders/papers/{entry.fingerprint}.pdf", make)


def _single_upload(content):
    entry = content.papers[0]
    meeting = content.meeting
    data, is_upload = part_for(entry, meeting, [])
    count = _page_count(data)
    html = render_to_string(
        "meetings/pdf/paper_frames.html",
        {"entry": entry, "meeting": meeting, "extra_pages": range(count - 1)},
    )
    frame_pdf = render_pdf(html, name=entry.heading, tagged=False)
    with pikepdf.open(io.BytesIO(frame_pdf)) as frame, pikepdf.open(io.BytesIO(data)) as part:
        for offset, part_page in enumerate(part.pages):
            frame.pages[offset].add_overlay(part_page, BODY_RECT if is_upload else None)
        _set_metadata(frame, meeting, entry.heading)
        output = io.BytesIO()
        frame.save(output, deterministic_id=True)
    return output.getvalue()


def supplement_pdf(meeting, papers, number):
    """Only the new or changed papers, after a cover saying what the supplement holds."""
    entries = [pack_entry(paper, meeting) for paper in papers]
    cover = render_pdf(
        render_to_string(
            "meetings/pdf/supplement_cover.html",
            {"meeting": meeting, "entries": entries, "number": number},
        ),
        name=f"Supplement {number}",
    )
    with pikepdf.open(io.BytesIO(cover)) as supplement:
        with supplement.open_outline() as outline:
            for paper in papers:
                with pikepdf.open(io.BytesIO(paper_pdf(paper))) as single:
                    first = len(supplement.pages)
                    supplement.pages.extend(single.pages)
                    outline.root.append(pikepdf.OutlineItem(paper_heading(paper), first))
        _set_metadata(supplement, meeting, f"Supplement {number} – {meeting.display_title}")
        output = io.BytesIO()
        supplement.save(output, deterministic_id=True)
        return output.getvalue()
