"""The meeting pack: cover, agenda, then every paper in agenda order, as one PDF.

How it is built (DESIGN.md, "The meeting pack"):
1. `gather_pack` collects everything into a frozen dataclass, with a fingerprint per paper.
2. Each paper becomes a *part*. Authored papers (typed content, Word files, embedded reports)
   not typeset before are typeset together in one WeasyPrint pass, split at their anchors; the
   batch is stored once, and a note under each paper's fingerprint says where it is in it;
   uploaded PDFs as cleaned at upload.
3. The page of every paper follows from the parts' page counts, so WeasyPrint lays out the
   front matter (cover, agenda with "page N" links, contents) knowing them.
4. pikepdf appends the parts (uploaded pages scaled into the body area), stamps the running
   header and the footer "page N of M" on every page, points the agenda's links at the papers'
   first pages and writes the bookmarks.
So a change to one paper re-typesets only that paper and the front matter.
"""

import contextlib
import functools
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field, replace

import pikepdf
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from wkp.pdf import (
    CREATED_META,
    PdfRenderError,
    RenderedPdf,
    RenderLimitExceeded,
    pdf_bytes,
    print_style_bytes,
    print_template_hash,
    render,
    render_pdf,
    run_isolated,
    stored_once,
)
from wkp.pdf_tags import (
    StructureError,
    build_structure,
    element,
    link_reference,
    role_map,
    split_elements,
    take_elements,
)
from wkp.storage import is_unavailable
from wkp.templatetags.wkp_format import short_date, uk_date

from .agenda import load_agenda, walk
from .minutes import outstanding_actions
from .models import Paper
from .papers import paper_html
from .pdf_fonts import share_fonts, stamp_font, text_width
from .schedule import next_meetings
from .uploads import inspect

logger = logging.getLogger(__name__)

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
    fingerprint: str  # the render-cache key: its content, the print styles and templates
    item_label: str = ""
    content: str = ""  # what it says (change detection between pack versions)
    attachments: tuple = ()  # titles of its further files: listed in the contents, not merged


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
    as_of: object = None  # the date its date-dependent wording is judged on

    @property
    def fingerprint(self):
        """What the pack says (not how it is typeset): an unchanged one is not issued again."""
        digest = hashlib.sha256()
        for entry in self.papers + self.separate:
            digest.update(f"{entry.paper.letter}:{entry.content}".encode())
            if entry.attachments:
                digest.update("\x00".join(entry.attachments).encode())
        digest.update(_meeting_key(self.meeting).encode())
        officer = self.meeting.contact_officer  # on the cover only
        if officer:
            digest.update(
                f"{officer.name}|{officer.title}|{officer.email}|{officer.phone}".encode()
            )
        for node in walk(self.agenda):
            item = node.item
            digest.update(
                f"{node.number}|{item.title}|{node.presenters}|{item.scheduled_time}|"
                f"{item.description}".encode()
            )
        for meeting in self.next_meetings:
            digest.update(_meeting_key(meeting).encode())
        for action in self.outstanding_actions:
            owners = [p.name for p in action.owner_people.all()]
            owners += [o.label for o in action.owner_organisations.all()]
            digest.update(
                f"{action.number}|{action.description}|{owners}|{action.owner_text}|"
                f"{action.target_label}|{action.status}|{action.progress}|{action.notes}".encode()
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
    """What the cover, the running header and footer and the dates of next meetings print."""
    venue = meeting.venue
    return "|".join(
        str(value)
        for value in (
            meeting.pk,
            meeting.body.name,
            meeting.display_title,
            meeting.date,
            meeting.start_time,
            venue.name if venue else "",
            venue.address if venue else "",
            meeting.note,
            meeting.replaces_date,
            meeting.status,
        )
    )


def paper_heading(paper):
    return f"{paper.label} – {paper.title}" if paper.letter else paper.title


def content_fingerprint(paper, html, meeting):
    """What a paper says and how it is labelled: a change here is a new version of the paper."""
    digest = hashlib.sha256()
    for value in (
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
    return digest.hexdigest()


def render_key(content, body_name):
    """The render-cache key of a paper: its content, the print styles and the print templates'
    sources, so a change to any of them typesets it again (and none reports it changed); and
    the body's name, which its running footer prints (a body renamed is not a changed paper)."""
    digest = hashlib.sha256(f"{content}\x00{print_template_hash()}\x00{body_name}\x00".encode())
    digest.update(print_style_bytes())
    return digest.hexdigest()


def as_of_date(meeting):
    """The day a meeting's pack judges date-dependent wording ("overdue") on: the day its first
    version was issued (today until then), or the meeting's own date if that is earlier. Fixed
    once issued, so re-typesetting a paper next year says what it said then."""
    from .models import PackVersion

    first = (
        PackVersion.objects.filter(meeting=meeting, number=1)
        .values_list("issued_at", flat=True)
        .first()
    )
    day = timezone.localdate(first) if first else timezone.localdate()
    return min(day, meeting.date)


def pack_entry(paper, meeting, item_label="", as_of=None):
    if paper.separate_attachment:
        kind = "separate"
    elif paper.file_kind == "pdf" and paper.file and not paper.is_to_follow:
        kind = "upload"
    else:
        kind = "authored"
    as_of = as_of or as_of_date(meeting)
    html = paper_html(paper, as_of=as_of) if kind == "authored" else ""
    content = content_fingerprint(paper, html, meeting)
    return PackPaper(
        paper=paper,
        label=paper.label,
        heading=paper_heading(paper),
        kind=kind,
        html=html,
        fingerprint=render_key(content, meeting.body.name),
        item_label=item_label,
        content=content,
    )


def gather_pack(meeting):
    """Everything the pack shows, in agenda order, with withdrawn papers left out."""
    as_of = as_of_date(meeting)
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
        entry = pack_entry(paper, meeting, first_item.get(paper.pk, "Other papers"), as_of)
        # An annex uploaded as an attachment of the paper was left out without a word.
        entry = replace(entry, attachments=tuple(a.title for a in paper.attachments.all()))
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
        as_of=as_of,
    )


# ---- Parts


def _part_path(entry):
    """Where a typeset paper is found again: a note of the batch file it was typeset in and
    its place there (the batch is stored once, as the render child returned it)."""
    return f"renders/parts/{entry.fingerprint}-tagged.json"


def _batch_path(data):
    return f"renders/batches/{hashlib.sha256(data).hexdigest()}.pdf"


@dataclass
class Part:
    data: bytes | None
    is_upload: bool
    page_count: int
    # A typeset paper: pages [start, end) of an open batch and its top-level elements there,
    # for assembly to copy straight into the pack (parsed once per build, never saved apart).
    # Never crosses to a child (`standalone` makes a part that can).
    batch: object = field(default=None, repr=False, compare=False)
    start: int = 0
    tops: list = field(default_factory=list, repr=False, compare=False)

    def standalone(self):
        """This part as a PDF file of its own (a part that can be sent to a child)."""
        if self.batch is None:
            return self
        with pikepdf.new() as single:
            single.pages.extend(self.batch.pages[self.start : self.start + self.page_count])
            single.Root.StructTreeRoot = single.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.StructTreeRoot,
                    K=pikepdf.Array([single.copy_foreign(top) for top in self.tops]),
                )
            )
            data = pdf_bytes(single)
        return Part(data, False, self.page_count)


def _read_upload(entry, notices):
    """An uploaded PDF's bytes and page count, or (None, 0) with a notice when it cannot be used.

    A file checked at upload is used as stored, with its stored page count: it is not parsed
    again here. A file stored before uploads were checked is checked now, in the upload child
    (`uploads.inspect`), and its cleaned bytes used; `manage.py process_uploads` does it once."""
    paper = entry.paper
    try:
        with paper.file.open("rb") as handle:
            data = handle.read()
        if paper.file_checked_at and paper.page_count:
            return data, paper.page_count
        checked = inspect(data, "pdf", convert=False)
        return (checked.cleaned or data), checked.page_count
    except Exception as error:  # A bad file must never break the pack.
        if is_unavailable(error):
            raise  # the store is away, the file is fine: the build is tried again later
        logger.warning("Pack: %s could not be merged: %s", entry.heading, error)
        notices.append(f"{entry.heading} could not be included: its file is damaged or unreadable.")
        return None, 0


@contextlib.contextmanager
def typeset_parts(content, notices):
    """Each paper's pages, by letter, for the block's use. Papers not typeset before are typeset
    together in one WeasyPrint pass (as cheap as one document), split at their anchors; see
    `_cached_part`. A typeset paper is pages of an open batch, closed when the block ends."""
    parts, to_typeset, batches = {}, [], {}
    try:
        for entry in content.papers:
            if entry.kind == "upload":
                data, count = _read_upload(entry, notices)
                if data is not None:
                    parts[entry.paper.letter] = Part(data, True, count)
                    continue
                to_typeset.append((entry, notices[-1]))
                continue
            part = _cached_part(entry, batches)
            if part is not None:
                parts[entry.paper.letter] = part
            else:
                to_typeset.append((entry, ""))
        if to_typeset:
            parts.update(_typeset_together(content.meeting, to_typeset, notices))
        yield parts
    finally:
        opened = [batch for batch, _ in batches.values()]
        opened += [part.batch for part in parts.values() if part.batch is not None]
        for batch in {id(batch): batch for batch in opened}.values():
            batch.close()


def _cached_part(entry, batches):
    """A paper typeset before, from the batch it was typeset in (each batch opened and split
    once per build, in `batches`), or None."""
    path = _part_path(entry)
    if not default_storage.exists(path):
        return None  # never typeset, or pruned: typeset again
    try:
        with default_storage.open(path, "rb") as handle:
            note = json.loads(handle.read())
        name, index, starts = note["batch"], note["index"], note["starts"]
        if name not in batches:
            if not default_storage.exists(name):
                default_storage.delete(path)  # its batch was pruned: a new note replaces it
                return None
            with default_storage.open(name, "rb") as handle:
                batch = pikepdf.open(io.BytesIO(handle.read()))
            batches[name] = (batch, split_elements(batch, starts))
        batch, elements = batches[name]
        end = starts[index + 1] if index + 1 < len(starts) else len(batch.pages)
        return Part(None, False, end - starts[index], batch, starts[index], elements[index])
    except (ValueError, KeyError, IndexError, TypeError, pikepdf.PdfError) as error:
        # A cache file cut short or spoilt: the paper is typeset again (and noted afresh), the
        # pack still built.
        logger.warning("Pack: the typeset copy of %s is unusable (%s)", entry.heading, error)
        default_storage.delete(path)
        return None


def _typeset_together(meeting, entries, notices):
    html = render_to_string("meetings/pdf/parts.html", {"entries": entries, "meeting": meeting})
    try:
        rendered = render(html, name=f"The papers of {meeting}", tagged=True)
    except RenderLimitExceeded:
        raise  # retrying paper by paper would multiply the wait; the pack build fails
    except PdfRenderError:
        if len(entries) == 1:
            entry, notice = entries[0]
            if notice:  # even the notice page cannot be typeset
                raise
            message = f"{entry.heading} could not be typeset. Please see it on the intranet."
            notices.append(message)
            return _typeset_together(meeting, [(entry, message)], notices)
        # One paper spoils the batch: typeset them one by one to find it.
        parts = {}
        for pair in entries:
            parts.update(_typeset_together(meeting, [pair], notices))
        return parts
    anchors, data = rendered.anchors, rendered.pdf
    # Kept open for assembly, which copies each paper's pages and elements straight from it.
    batch = pikepdf.open(io.BytesIO(data))
    starts = [anchors[f"part-{entry.paper.letter}"] for entry, _ in entries]
    ends = starts[1:] + [len(batch.pages)]
    elements = split_elements(batch, starts)
    cached = [index for index, (_, notice) in enumerate(entries) if not notice]
    if cached:
        name = _batch_path(data)
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        for index in cached:
            path = _part_path(entries[index][0])
            if not default_storage.exists(path):
                note = {"batch": name, "index": index, "starts": starts}
                default_storage.save(path, ContentFile(json.dumps(note).encode()))
    return {
        entry.paper.letter: Part(None, False, end - start, batch, start, tops)
        for (entry, _), start, end, tops in zip(entries, starts, ends, elements, strict=True)
    }


# ---- Header, footer and links, stamped with pikepdf

A4 = (595.28, 841.89)
LINK_PREFIX = "https://wkp.invalid/pack/"
# The stamps' places: 8.5 pt text from the left margin, the header to the right margin and the
# footer's left part to a little short of "page N of M" (18 mm margins, 30 mm for the number).
STAMP_SIZE = 8.5
STAMP_LEFT, STAMP_RIGHT = 18 * MM, (210 - 18 - 30) * MM
HEADER_WIDTH = (210 - 2 * 18) * MM
FOOTER_WIDTH = STAMP_RIGHT - STAMP_LEFT - 4 * MM


def _running_footer(meeting):
    """Every stamped page says whose meeting it is and when: "West Kent Partnership, Friday …"."""
    return f"{meeting.body.name}, {uk_date(meeting.date)}"


def document_footer(meeting):
    """The footer of a document printed alone (a paper, the minutes), as the pack stamps it."""
    return _fit(_running_footer(meeting), FOOTER_WIDTH)


def _stamp_texts(header, footer_left, footer_right):
    return _fit(header, HEADER_WIDTH), _fit(footer_left, FOOTER_WIDTH), footer_right


@functools.lru_cache(maxsize=1024)  # a pack repeats each running header on every page
def _fit(text, width):
    """`text` whole if it fits `width` points at the stamp's size, else cut after the last whole
    word that fits with "…" after it (a count of characters ran capitals off the page and a
    long body's name into "page N of M", and cut mid-word without saying so)."""
    if text_width(text, STAMP_SIZE) <= width:
        return text
    words = text.split()
    while len(words) > 1 and text_width(" ".join(words) + "…", STAMP_SIZE) > width:
        words.pop()
    cut = " ".join(words)
    while cut and text_width(cut + "…", STAMP_SIZE) > width:  # one word wider than the line
        cut = cut[:-1]
    return cut.rstrip(" ,;:–—-") + "…"


def _stamp_all(pdf, stamps, extra_texts=()):
    """Stamp every page: `stamps` holds (header, footer left, footer right) per page, all in
    one embedded font subsetted to the characters they (and `extra_texts`) use. Returns it."""
    stamps = [_stamp_texts(*texts) for texts in stamps]
    font = stamp_font(pdf, [text for texts in stamps for text in texts] + list(extra_texts))
    for page, texts in zip(pdf.pages, stamps, strict=True):
        _stamp(pdf, page, font, *texts)
    return font


def _stamp(pdf, page, font, header, footer_left, footer_right):
    """Draw the running header and footer beneath the page's own content, marked as pagination
    artifacts (a screen reader skips them; the structure tree holds the real text)."""
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = pikepdf.Dictionary()
    fonts = resources.get("/Font")
    if fonts is None:
        resources.Font = fonts = pikepdf.Dictionary()
    fonts.WkpStamp = font.dictionary
    top, bottom = A4[1] - 12 * MM, 12 * MM
    ops = []
    if header:
        ops += [
            b"/Artifact <</Type /Pagination /Subtype /Header>> BDC q 0.27 g BT /WkpStamp %g Tf"
            % STAMP_SIZE,
            b"1 0 0 1 %.2f %.2f Tm " % (STAMP_LEFT, top) + font.encode(header) + b" Tj",
            b"ET Q EMC",
        ]
    ops += [
        b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC q 0.27 g BT /WkpStamp %g Tf"
        % STAMP_SIZE,
        b"1 0 0 1 %.2f %.2f Tm " % (STAMP_LEFT, bottom) + font.encode(footer_left) + b" Tj",
        b"1 0 0 1 %.2f %.2f Tm " % (STAMP_RIGHT, bottom) + font.encode(footer_right) + b" Tj",
        b"ET Q EMC",
    ]
    page.contents_add(pikepdf.Stream(pdf, b"\n".join(ops)), prepend=True)


def _append_part(pdf, part, heading="", roles=None):
    """Append a part's pages and return its structure elements: a typeset part's own, an
    upload's own when it is tagged (its pages scaled into the body area in place, so their
    marked content stays on the page), else one figure per page whose alternative text says
    what it is. An upload's role map is merged into `roles`."""
    if part.batch is not None:
        pdf.pages.extend(part.batch.pages[part.start : part.start + part.page_count])
        return [pdf.copy_foreign(top) for top in part.tops], []
    with pikepdf.open(io.BytesIO(part.data)) as source:
        if not part.is_upload:
            try:
                tops = take_elements(source, cut=False)
            except StructureError as error:
                logger.warning("Pack: the tags of %s are not used: %s", heading, error)
                tops = None
            pdf.pages.extend(source.pages)
            return [pdf.copy_foreign(top) for top in tops or ()], []
        tops = _upload_tops(source, heading)
        if tops:
            for source_page in source.pages:
                pdf.pages.append(source_page)
                _place_in_body(pdf, pdf.pages[-1])
            mapping = role_map(source)
            if mapping is not None and roles is not None:
                for key, value in mapping.items():
                    if key not in roles:
                        roles[key] = pdf.copy_foreign(value) if value.is_indirect else value
            return [pdf.copy_foreign(top) for top in tops], []
        figures, count = [], len(source.pages)
        for number, source_page in enumerate(source.pages, start=1):
            pdf.add_blank_page(page_size=A4)
            page = pdf.pages[-1]
            page.add_overlay(pdf.copy_foreign(source_page.obj), BODY_RECT)
            page.contents_coalesce()
            drawn = page.obj.Contents.read_bytes()
            page.obj.Contents = pdf.make_stream(b"/Figure <</MCID 0>> BDC\n" + drawn + b"\nEMC")
            alt = (
                f"{heading}, page {number} of {count}: an uploaded PDF that is not tagged for "
                "screen readers. Its text is on the paper's web page, linked on its first page."
            )
            figures.append(element(pdf, "Figure", [0], page=page, Alt=pikepdf.String(alt)))
        return figures, [len(pdf.pages) - count]


def _upload_tops(source, heading=""):
    """An upload's own top-level structure elements (`take_elements`) when the pack can keep
    them, its pages scaled in place; else None: its pages become figures of an untagged upload.
    The one decision for both the assembly and the contents page, which names such papers."""
    try:
        tops = take_elements(source, cut=True)
    except StructureError as error:
        logger.warning("Pack: the tags of %s are not used: %s", heading, error)
        return None
    if tops and all(_can_place(page) for page in source.pages):
        return tops
    return None


def _upload_tops_or_none(data, heading=""):
    """`_upload_tops` of an upload's bytes (a damaged file counts as untagged)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as source:
            return _upload_tops(source, heading)
    except pikepdf.PdfError:
        return None


def _can_place(page):
    """An uploaded page can be scaled in place (keeping its marked content on the page): not
    rotated, with a usable media box of its own."""
    try:
        box = [float(value) for value in page.obj.MediaBox]
        rotate = int(page.obj.get("/Rotate", 0))
    except (AttributeError, TypeError, ValueError):
        return False
    return rotate % 360 == 0 and len(box) == 4 and box[2] > box[0] and box[3] > box[1]


def _place_in_body(pdf, page):
    """Scale an appended page into the body area of an A4 page, centred, as add_overlay does."""
    box = [float(value) for value in page.obj.MediaBox]
    width, height = box[2] - box[0], box[3] - box[1]
    scale = min(BODY_RECT.width / width, BODY_RECT.height / height)
    tx = BODY_RECT.llx + (BODY_RECT.width - width * scale) / 2 - box[0] * scale
    ty = BODY_RECT.lly + (BODY_RECT.height - height * scale) / 2 - box[1] * scale
    page.contents_coalesce()
    drawn = page.obj.Contents.read_bytes()
    matrix = b"q %.6f 0 0 %.6f %.4f %.4f cm\n" % (scale, scale, tx, ty)
    page.obj.Contents = pdf.make_stream(matrix + drawn + b"\nQ")
    page.obj.MediaBox = pikepdf.Array([0, 0, *A4])
    for key in ("/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/UserUnit"):
        if key in page.obj:
            del page.obj[key]
    for annotation in page.obj.get("/Annots", []):
        rect = annotation.get("/Rect") if isinstance(annotation, pikepdf.Dictionary) else None
        if isinstance(rect, pikepdf.Array) and len(rect) == 4:
            x1, y1, x2, y2 = (float(value) for value in rect)
            annotation.Rect = pikepdf.Array(
                [x1 * scale + tx, y1 * scale + ty, x2 * scale + tx, y2 * scale + ty]
            )
        if isinstance(annotation, pikepdf.Dictionary) and "/QuadPoints" in annotation:
            del annotation["/QuadPoints"]


def _link_to_web_page(pdf, page, font, url, heading):
    """On an untagged upload's first page, between the header and the body: a tagged link to
    the paper's web page (where its text is). Returns its structure element (a paragraph)."""
    text = f"Text version (web page): {url}"[:120]
    x, y = 18 * MM, A4[1] - 18 * MM
    page.obj.Resources.Font.WkpStamp = font.dictionary
    ops = [
        b"/Link <</MCID 1>> BDC q 0 0 0.6 rg BT /WkpStamp 8 Tf",
        b"1 0 0 1 %.2f %.2f Tm " % (x, y) + font.encode(text) + b" Tj",
        b"ET Q EMC",
    ]
    page.contents_add(pikepdf.Stream(pdf, b"\n".join(ops)))
    width = text_width(text, 8)
    annotation = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([x, y - 2, x + width, y + 8]),
            Border=pikepdf.Array([0, 0, 0]),
            Contents=pikepdf.String(f"{heading}: its web page"),
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(url)),
        )
    )
    if "/Annots" not in page.obj:
        page.obj.Annots = pikepdf.Array()
    page.obj.Annots.append(annotation)
    link = element(pdf, "Link", [1, link_reference(annotation, page.obj)], page=page)
    return element(pdf, "P", [link], page=page)


def _link_pages(pdf, page_map):
    """Point the agenda's and contents' paper links at the page where each paper starts."""
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(LINK_PREFIX):
                continue
            letter = uri.removeprefix(LINK_PREFIX)
            del annotation["/A"]
            if letter in page_map:
                target = pdf.pages[page_map[letter][0] - 1].obj
                annotation.Dest = pikepdf.Array([target, pikepdf.Name.Fit])


def _outline(pdf, content, agenda_page, page_map):
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Agenda", agenda_page))
        for group in content.groups:
            first = page_map[group.papers[0].paper.letter][0] - 1
            item = pikepdf.OutlineItem(group.label, first)
            for entry in group.papers:
                item.children.append(
                    pikepdf.OutlineItem(entry.heading, page_map[entry.paper.letter][0] - 1)
                )
            outline.root.append(item)


# ---- Assembly


def _front_matter(content, page_map, notices, untagged=frozenset()):
    html = render_to_string(
        "meetings/pdf/pack.html",
        {
            "untagged_letters": untagged,  # uploads the pack marks as untagged (tagging)
            "content": content,
            "meeting": content.meeting,
            "page_of": {letter: pages[0] for letter, pages in page_map.items()},
            "link_prefix": LINK_PREFIX,
            "notices": notices,
        },
    )
    return typeset_once(html, name=f"The pack for {content.meeting}")


def typeset_once(html, *, name):
    """The layout (PDF, page count, anchors) of exactly this HTML: typeset once, then read back
    from storage. Keyed as `wkp.pdf.render_pdf_once` keys a document: the HTML less its creation
    time, and the print styles; the front matter reads no stored file. So a rebuild in which no
    paper's page moved, and nothing the front matter says changed, does not typeset it again."""
    digest = hashlib.sha256(f"{CREATED_META.sub('', html)}\x00".encode())
    digest.update(print_style_bytes())
    path = f"renders/fronts/{digest.hexdigest()}.pdf"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as handle:
            header, _, data = handle.read().partition(b"\n")
        layout = json.loads(header)
        return RenderedPdf(pdf=data, page_count=layout["page_count"], anchors=layout["anchors"])
    rendered = render(html, name=name, tagged=True)
    # One file, its layout on the first line: a pruned cache loses both or neither.
    header = json.dumps({"page_count": rendered.page_count, "anchors": rendered.anchors})
    default_storage.save(path, ContentFile(header.encode() + b"\n" + rendered.pdf))
    return rendered


class FrontMatterUnsettled(PdfRenderError):
    """The front matter's length kept changing the page numbers it prints."""


FRONT_MATTER_ATTEMPTS = 4


def settle_front_matter(typeset_front, front_pages, *, attempts=FRONT_MATTER_ATTEMPTS):
    """Lay out the front matter assuming it is `front_pages` long, then again with the length it
    took, until the two agree: only then is every "page N" it prints right. Returns the length
    and the layout; raises FrontMatterUnsettled rather than print a wrong page number.

    `typeset_front(front_pages)` lays it out (numbering the papers from front_pages + 1) and
    returns something with a `page_count`."""
    tried = []
    for _attempt in range(attempts):
        front = typeset_front(front_pages)
        if front.page_count == front_pages:
            return front_pages, front
        tried.append((front_pages, front.page_count))
        front_pages = front.page_count
    laid_out = "; ".join(f"assuming {a} page(s) it took {b}" for a, b in tried)
    raise FrontMatterUnsettled(
        f"The pack's page numbers did not settle after {attempts} layouts of its front matter "
        f"({laid_out}), so it was not issued rather than print a wrong page number."
    )


# The front matter's length by meeting, as last laid out in this process (a hint only).
_FRONT_PAGES_SEEN = {}


def _last_front_pages(meeting):
    """The front matter's length in the meeting's newest issued pack (a hint that outlives the
    worker process, which restarts every few jobs): its first paper starts on the page after."""
    from .models import PackVersion

    latest = PackVersion.objects.filter(meeting=meeting).order_by("-number").first()
    firsts = [pages[0] for pages in latest.page_map.values()] if latest else []
    return min(firsts) - 1 if firsts else None


# Agenda and contents lines a page of the front matter holds, as laid out (headings, wrapped
# titles and spacing included): measured 3, 3, 7 and 14 pages for the demo and synthetic packs
# of 50, 200 and 500 pages, which 34 predicts and 40 did not (6 and 12: one layout more each).
FRONT_LINES_A_PAGE = 34


def _estimate_front_pages(content):
    """A first guess at the front matter's length (cover, then the agenda and contents lines);
    a wrong guess costs one more layout, never a wrong number."""
    lines = sum(1 for _ in walk(content.agenda)) + len(content.next_meetings)
    lines += len(content.papers) + len(content.separate) + len(content.outstanding_actions) + 8
    return 1 + -(-lines // FRONT_LINES_A_PAGE)


def build_pack(content):
    """Typeset the pack for `content` (see the module docstring for how)."""
    notices = []
    with typeset_parts(content, notices) as parts:
        return _assemble(content, parts, notices)


def _assemble(content, parts, notices):
    meeting = content.meeting

    def layout(front_pages):
        page_map, page = {}, front_pages + 1
        for entry in content.papers:
            count = parts[entry.paper.letter].page_count
            page_map[entry.paper.letter] = [page, page + count - 1]
            page += count
        return page_map

    # The agenda prints page numbers, so the front matter's own length must be known: lay it
    # out with the length it had last time, and again only if that has changed.
    front_pages = (
        _FRONT_PAGES_SEEN.get(meeting.pk)
        or _last_front_pages(meeting)
        or _estimate_front_pages(content)
    )
    # The uploads the pack will mark as untagged, which the contents page names (parsed here,
    # in the worker that builds the pack, as assembly does; never in a web request).
    untagged = frozenset(
        entry.paper.letter
        for entry in content.papers
        if parts[entry.paper.letter].is_upload
        and _upload_tops_or_none(parts[entry.paper.letter].data, entry.heading) is None
    )
    front_pages, front = settle_front_matter(
        lambda pages: _front_matter(content, layout(pages), notices, untagged), front_pages
    )
    page_map, agenda_page = layout(front_pages), front.anchors.get("agenda", 1)
    _FRONT_PAGES_SEEN[meeting.pk] = front_pages

    with pikepdf.open(io.BytesIO(front.pdf)) as pack:
        running = ["" if index == 0 else "Agenda" for index in range(len(pack.pages))]
        elements, roles, untagged = list(take_elements(pack) or ()), pikepdf.Dictionary(), []
        for entry in content.papers:
            part = parts[entry.paper.letter]
            tops, first_pages = _append_part(pack, part, entry.heading, roles)
            elements.append(_paper_section(pack, entry, tops))
            untagged += [(entry, elements[-1], index) for index in first_pages]
            running += [entry.heading] * part.page_count
        footer, total = _running_footer(meeting), len(pack.pages)
        links = {entry.paper.letter: _web_page(entry.paper) for entry, _, _ in untagged}
        font = _stamp_all(
            pack,
            [(running[i], footer, f"page {i + 1} of {total}") for i in range(total)],
            [f"Text version (web page): {url}"[:120] for url in links.values()],
        )
        for entry, section, index in untagged:
            paragraph = _link_to_web_page(
                pack, pack.pages[index], font, links[entry.paper.letter], entry.heading
            )
            paragraph.P = section
            section.K.insert(0, paragraph)
        share_fonts(pack)
        _link_pages(pack, page_map)
        _outline(pack, content, agenda_page, page_map)
        # The walk that numbers the tree also checks the rules on its elements (the PDF/UA
        # claim rests on them); tests and the benchmark run the full checker on the result.
        problems = []
        build_structure(pack, elements, roles=roles if len(roles) else None, problems=problems)
        states = paper_states(content)
        title = f"Meeting pack – {meeting.display_title}"
        _set_metadata(pack, meeting, title)
        _identify_pdf_ua(pack, title, claim=not untagged and not problems)
        data = pdf_bytes(pack)
        page_count = len(pack.pages)
    logger.info(
        "Pack built: meeting %s, version %s, %s pages", meeting.pk, content.version, page_count
    )
    return BuiltPack(
        pdf=data,
        page_count=page_count,
        page_map=page_map,
        papers=states,
        fingerprint=content.fingerprint,
        notices=notices,
    )


def _paper_section(pdf, entry, tops):
    """A paper's section in the pack's structure tree, titled by its letter and title."""
    return element(pdf, "Sect", list(tops), T=pikepdf.String(entry.heading))


def _web_page(paper):
    from django.conf import settings

    return settings.SITE_URL.rstrip("/") + paper.get_absolute_url()


def _identify_pdf_ua(pdf, title, *, claim):
    """PDF/UA-1 identification (XMP pdfuaid:part), only when `claim`: every rule holds."""
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
        if claim:
            meta["pdfuaid:part"] = "1"
        elif "pdfuaid:part" in meta:
            del meta["pdfuaid:part"]


def paper_states(content):
    """Each paper as the pack holds it (PackVersion.papers): letter → pk, title, status, kind,
    render key and content fingerprint; issuing adds where its issued words and PDF are kept."""
    return {
        entry.paper.letter: {
            "pk": entry.paper.pk,
            "title": entry.paper.title,
            "status": entry.paper.status,
            "kind": entry.kind,
            "fingerprint": entry.fingerprint,
            "content": entry.content,
        }
        for entry in content.papers + content.separate
    }


def _set_metadata(pdf, meeting, title):
    _write_metadata(pdf, title, _description(meeting), meeting.body.name)


def _description(meeting):
    return f"{meeting.display_title}, {short_date(meeting.date)}"


def _write_metadata(pdf, title, description, author):
    now = timezone.now()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["xmp:CreateDate"] = now.isoformat()
        meta["dc:title"] = title
        meta["dc:creator"] = [author]
        meta["dc:description"] = description
        meta["dc:language"] = ["en-GB"]
    pdf.Root.Lang = pikepdf.String("en-GB")
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    pdf.docinfo["/Title"] = title
    pdf.docinfo["/Author"] = author
    pdf.docinfo["/Subject"] = description
    pdf.docinfo["/CreationDate"] = now.strftime("D:%Y%m%d%H%M%SZ")


# ---- Single papers


def paper_pdf(paper, entry=None):
    """One paper alone with its header and footer; tagged when WeasyPrint typesets it whole.

    `entry` is the paper's pack entry when the caller has it already (its content resolved)."""
    meeting = paper.meeting
    entry = entry or pack_entry(paper, meeting)
    if entry.kind == "upload":
        content = PackContent(
            meeting=meeting,
            agenda=[],
            next_meetings=[],
            papers=(entry,),
            separate=(),
            groups=(PackGroup(entry.heading, (entry,)),),
        )
        return stored_once(
            f"renders/papers/{entry.fingerprint}-upload-tagged.pdf", lambda: _single_upload(content)
        )

    def make():
        html = render_to_string(
            "meetings/pdf/paper.html",
            {"entry": entry, "meeting": meeting, "footer": document_footer(meeting)},
        )
        return render_pdf(html, name=entry.heading, tagged=True)

    return stored_once(f"renders/papers/{entry.fingerprint}-tagged.pdf", make)


def _single_upload(content):
    """An uploaded paper alone: its pages in the body area, with our header and footer. The
    uploaded file is only ever opened in a bounded child here (a download is a web request)."""
    entry = content.papers[0]
    meeting = content.meeting
    with typeset_parts(content, []) as parts:
        part = parts[entry.paper.letter].standalone()
    return run_isolated(
        stamp_single,
        part,
        entry.heading,
        _running_footer(meeting),
        _description(meeting),
        meeting.body.name,
        _web_page(entry.paper),
        name=entry.heading,
    )


def stamp_single(part, heading, footer, description, author, url=""):
    """In a child (see `_single_upload`): one part's pages, stamped, with the paper's metadata;
    an untagged upload's first page links to the paper's web page (`url`), as in the pack."""
    with pikepdf.new() as single:
        roles = pikepdf.Dictionary()
        tops, untagged = _append_part(single, part, heading, roles)
        total = len(single.pages)
        link = [f"Text version (web page): {url}"[:120]] if untagged and url else []
        font = _stamp_all(
            single, [(heading, footer, f"page {i + 1} of {total}") for i in range(total)], link
        )
        section = element(single, "Sect", list(tops), T=pikepdf.String(heading))
        if link:
            paragraph = _link_to_web_page(single, single.pages[untagged[0]], font, url, heading)
            section.K.insert(0, paragraph)
        build_structure(single, [section], roles=roles if len(roles) else None)
        _write_metadata(single, heading, description, author)
        return pdf_bytes(single)


def supplement_pdf(meeting, entries, number, paper_pdfs=None):
    """Only the new or changed papers (pack entries), after a cover saying what it holds;
    tagged as the pack is (one structure tree: the cover, then each paper a section).
    `paper_pdfs` maps a render key to the paper's own PDF where it is typeset already."""
    paper_pdfs = paper_pdfs or {}
    cover = render_pdf(
        render_to_string(
            "meetings/pdf/supplement_cover.html",
            {"meeting": meeting, "entries": entries, "number": number},
        ),
        name=f"Supplement {number}",
    )
    with pikepdf.open(io.BytesIO(cover)) as supplement:
        elements, roles = list(take_elements(supplement) or ()), pikepdf.Dictionary()
        with supplement.open_outline() as outline:
            for entry in entries:
                data = paper_pdfs.get(entry.fingerprint) or paper_pdf(entry.paper, entry=entry)
                first = len(supplement.pages)
                tops = _append_own_pdf(supplement, data, entry.heading, roles)
                elements.append(_own_section(supplement, entry, tops))
                outline.root.append(pikepdf.OutlineItem(entry.heading, first))
        share_fonts(supplement)
        build_structure(supplement, elements, roles=roles if len(roles) else None)
        _set_metadata(supplement, meeting, f"Supplement {number} – {meeting.display_title}")
        return pdf_bytes(supplement)


def _append_own_pdf(pdf, data, heading, roles):
    """Append a paper's own PDF (`paper_pdf`: tagged, its header and footer artifacts) and
    return its top-level structure elements, copied; its role map is merged into `roles`."""
    with pikepdf.open(io.BytesIO(data)) as single:
        try:
            tops = take_elements(single) or ()
        except StructureError as error:
            logger.warning("Supplement: the tags of %s are not used: %s", heading, error)
            tops = ()
        pdf.pages.extend(single.pages)
        mapping = role_map(single)
        for key, value in (mapping or {}).items():
            if key not in roles:
                roles[key] = pdf.copy_foreign(value) if value.is_indirect else value
        return [pdf.copy_foreign(top) for top in tops]


def _own_section(pdf, entry, tops):
    """The paper's section: an uploaded paper's own PDF holds one already, titled the same."""
    if (
        len(tops) == 1
        and tops[0].get("/S") == "/Sect"
        and str(tops[0].get("/T", "")) == entry.heading
    ):
        return tops[0]
    return _paper_section(pdf, entry, tops)


# ---- Issued papers


@dataclass(frozen=True)
class IssuedPaper:
    """A paper as the meeting's newest pack version issued it: its words and its PDF."""

    number: int  # the pack version
    issued_on: object
    content: str  # content fingerprint
    html: str
    pdf_path: str


def issued_paper(paper):
    """The paper as issued in its meeting's newest pack version, or None if no version issued
    it (never issued, withdrawn, or issued before papers were frozen with their version)."""
    from django.utils.safestring import mark_safe

    from .models import PackVersion

    row = (
        PackVersion.objects.filter(meeting_id=paper.meeting_id)
        .order_by("-number")
        .values("number", "issued_at", "papers")
        .first()
    )
    state = row["papers"].get(paper.letter) if row and paper.letter else None
    if not state or state.get("pk") != paper.pk or "content" not in state:
        return None
    html = ""
    if state.get("html"):
        try:
            with default_storage.open(state["html"], "rb") as handle:
                html = handle.read().decode()
        except OSError:
            logger.error("Issued words of %s are missing: %s", paper, state["html"])
            return None
    return IssuedPaper(
        number=row["number"],
        issued_on=timezone.localdate(row["issued_at"]),
        content=state["content"],
        html=mark_safe(html),  # noqa: S308 - stored from paper_html, which cleans what people wrote
        pdf_path=state.get("pdf", ""),
    )


def read_issued_pdf(issued):
    """The issued paper's PDF bytes, or None if none was kept."""
    if not issued.pdf_path:
        return None
    try:
        with default_storage.open(issued.pdf_path, "rb") as handle:
            return handle.read()
    except OSError:
        logger.error("Issued PDF missing: %s", issued.pdf_path)
        return None
