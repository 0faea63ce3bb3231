"""The agenda as a numbered tree, built from flat rows in Python (no query per item).

Numbering: top-level items count up from the meeting's `number_from`; sub-items are shown as
bullets or as 1.1 / 1.1.1 depending on the meeting's setting. Also the agenda change under way
(`current_change`), whose tag simple-history's hook writes on each changed item's history row.
"""

import contextvars
from dataclasses import dataclass, field

from .models import AgendaItem, Meeting, Paper

MOVES = (("up", "Move up"), ("down", "Move down"), ("indent", "Indent"), ("outdent", "Outdent"))


@dataclass
class AgendaNode:
    item: AgendaItem
    depth: int
    number: str
    papers: list = field(default_factory=list)
    children: list = field(default_factory=list)
    presenters: list = field(default_factory=list)
    lists_actions: bool = False

    @property
    def shown_papers(self):
        return [p for p in self.papers if p.letter and not p.is_withdrawn]

    @property
    def all_to_follow(self):
        shown = self.shown_papers
        return bool(shown) and all(p.is_to_follow for p in shown)

    @property
    def attachment_notes(self):
        return "; ".join(p.attachment_note for p in self.shown_papers if p.attachment_note)

    @property
    def actions(self):
        """The editor's move buttons (value, label): the same four on every item, so that the
        focus stays on the button pressed when the editor is swapped in place (a keyboard user
        pressing "Indent" twice must not lose their place). services.move_item refuses, with a
        message naming the item, a move that cannot be made."""
        return MOVES

    @property
    def paper_reference(self):
        """The seed's way of citing papers: "Paper C", "Papers E & F", "Paper H to follow"."""
        return paper_reference(self.papers)


def paper_reference(papers):
    shown = [p for p in papers if p.letter and not p.is_withdrawn]
    if not shown:
        return ""
    letters = [p.letter for p in shown]
    if len(letters) == 1:
        text = f"Paper {letters[0]}"
    else:
        text = "Papers " + ", ".join(letters[:-1]) + " & " + letters[-1]
    if all(p.is_to_follow for p in shown):
        text += " to follow"
    notes = [p.attachment_note for p in shown if p.attachment_note]
    if notes:
        text += " – " + "; ".join(notes)
    return text


def presenter_names(item, people):
    names = [person.name for person in people]
    names += [name.strip() for name in item.presenters_text.split(",") if name.strip()]
    return names


def build_agenda(meeting, items, links, papers_by_id, presenters_by_item):
    """Arrange live items into a numbered tree.

    `items`: the meeting's live items (any order); `links`: AgendaItemPaper rows in attach order;
    `papers_by_id`: live papers; `presenters_by_item`: item id → list of Person.
    """
    children = {}
    for item in sorted(items, key=lambda i: (i.position, i.pk)):
        children.setdefault(item.parent_id, []).append(item)
    papers_of = {}
    for link in links:
        paper = papers_by_id.get(link.paper_id)
        if paper is not None:
            papers_of.setdefault(link.item_id, []).append(paper)

    decimal = meeting.sub_numbering == Meeting.SubNumbering.DECIMAL

    def build(parent_id, depth, prefix):
        nodes = []
        for index, item in enumerate(children.get(parent_id, [])):
            if depth == 1:
                number = str(meeting.number_from + index)
            elif decimal:
                number = f"{prefix}.{index + 1}"
            else:
                number = ""
            node = AgendaNode(
                item=item,
                depth=depth,
                number=number,
                papers=papers_of.get(item.pk, []),
                presenters=presenter_names(item, presenters_by_item.get(item.pk, [])),
            )
            node.children = build(item.pk, depth + 1, number if decimal or depth == 1 else prefix)
            nodes.append(node)
        return nodes

    nodes = build(None, 1, "")
    # The outstanding actions are listed once, under the first minutes item: an agenda with
    # "Minutes" and "Matters arising" as two items printed the table twice.
    minutes = next((n for n in walk(nodes) if n.item.kind == AgendaItem.Kind.MINUTES), None)
    if minutes is not None:
        minutes.lists_actions = True
    return nodes


def walk(nodes):
    """Pre-order traversal of the agenda tree."""
    for node in nodes:
        yield node
        yield from walk(node.children)


def papers_in_agenda_order(nodes, papers):
    """Papers in the order they are first taken on the agenda; papers on no item come last."""
    seen, ordered = set(), []
    for node in walk(nodes):
        for paper in node.papers:
            if paper.pk not in seen:
                seen.add(paper.pk)
                ordered.append(paper)
    rest = sorted((p for p in papers if p.pk not in seen), key=lambda p: (p.created_at, p.pk))
    return ordered + rest


def load_agenda(meeting):
    """Everything needed to show a meeting's agenda, in a fixed number of queries."""
    items = list(AgendaItem.objects.live().filter(meeting=meeting))
    item_ids = {item.pk for item in items}
    # Items whose ancestor is deleted are hidden with it.
    live_ids = set()
    by_id = {item.pk: item for item in items}
    for item in items:
        node, ok = item, True
        while node.parent_id:
            node = by_id.get(node.parent_id)
            if node is None:
                ok = False
                break
        if ok:
            live_ids.add(item.pk)
    items = [item for item in items if item.pk in live_ids]
    papers = list(
        Paper.objects.live()
        .filter(meeting=meeting)
        .select_related("author_organisation")
        .prefetch_related("attachments")
    )
    papers_by_id = {paper.pk: paper for paper in papers}
    links = list(AgendaItem.papers.through.objects.filter(item_id__in=item_ids).order_by("pk"))
    presenters_by_item = {}
    through = AgendaItem.presenters.through
    rows = through.objects.filter(agendaitem_id__in=item_ids).select_related("person")
    for row in rows.order_by("pk"):
        presenters_by_item.setdefault(row.agendaitem_id, []).append(row.person)
    nodes = build_agenda(meeting, items, links, papers_by_id, presenters_by_item)
    return nodes, papers_in_agenda_order(nodes, papers)


# The agenda change under way in this context: (meeting id, tag). Its items' history rows carry
# the tag as their change reason, so "Undo" knows which rows make up the last change.
current_change = contextvars.ContextVar("current_agenda_change", default=None)


def tag_agenda_history(sender, history_instance, **kwargs):
    """simple-history's pre-create hook: stamp an item's history row with the change it is part
    of (see `current_change`); connected in apps.py."""
    change = current_change.get()
    if change and history_instance.meeting_id == change[0]:
        history_instance.history_change_reason = (
            history_instance.history_change_reason or (change[1])
        )
