"""PDF structure trees: one tree for an assembled PDF (the meeting pack), the running header and
footer of a document WeasyPrint typeset alone marked as artifacts (in the render child, see
`wkp.pdf.render`), and a checker for both.

WeasyPrint tags each document it typesets (`pdf_tags=True`): a Document element, sections,
headings, lists, tables with header cells, links and figures with alternative text, each marked
content sequence numbered (MCID) per page and found again through the parent tree. pikepdf's
page copying keeps the pages and drops the tree. So assembly takes each part's top-level
elements (`take_elements`: their parent links cut, so copying them does not drag the whole
source tree along), copies them after their pages (qpdf maps their page and annotation
references to the copies), puts them under one Document root and renumbers what must be unique
in one file (`build_structure`): each page's StructParents key, each annotation's StructParent,
the parent tree and every element's parent link. MCIDs are numbered per page, and pages are
copied whole, so they stay as they are.

`check_structure` is the checker the tests and the benchmark run (and the pack build, before it
claims PDF/UA-1): every page's content tagged or an artifact, every parent-tree entry resolves,
headings do not skip levels, every table has header cells, every figure has alternative text,
every link annotation has a structure parent.
"""

import io

import pikepdf

from wkp.pdf import pdf_bytes

MAX_ELEMENTS = 2_000_000
HEADINGS = {f"/H{n}": n for n in range(1, 7)}
Name = pikepdf.Name


class StructureError(ValueError):
    """A structure tree that cannot be used (loops, too large, not elements)."""


def _is_element(obj):
    return isinstance(obj, pikepdf.Dictionary) and "/S" in obj and obj.get("/Type") != "/MCR"


def _kids(obj):
    kids = obj.get("/K")
    if kids is None:
        return []
    if isinstance(kids, pikepdf.Array):
        return list(kids)
    return [kids]


def take_elements(pdf, *, cut=True):
    """The top-level structure elements of a tagged `pdf` (the children of its Document
    element), with every parent link and the parent tree removed so that copying them copies
    only them. None when the file is not tagged; StructureError when its tree is unusable.
    `cut=False` trusts the tree (WeasyPrint's own, or a cached part: no loops, every element's
    parent inside its top-level element) and cuts only the top-level elements' parent links,
    without walking the tree."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary) or "/K" not in root:
        return None
    tops = [kid for kid in _kids(root) if _is_element(kid)]
    if len(tops) == 1 and tops[0].get("/S") == "/Document":
        tops = [kid for kid in _kids(tops[0]) if _is_element(kid)]
    if not cut:
        for top in tops:
            if "/P" in top:
                del top["/P"]
    seen, stack = set(), list(tops) if cut else []
    while stack:
        element = stack.pop()
        key = element.objgen
        if key != (0, 0):
            if key in seen:
                raise StructureError("the structure tree loops")
            seen.add(key)
        if len(seen) > MAX_ELEMENTS:
            raise StructureError("the structure tree is too large")
        if "/P" in element:
            del element["/P"]
        stack.extend(kid for kid in _kids(element) if _is_element(kid))
    for key in ("/ParentTree", "/ParentTreeNextKey", "/IDTree"):
        if key in root:
            del root[key]
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            if isinstance(annotation, pikepdf.Dictionary) and "/StructParent" in annotation:
                del annotation["/StructParent"]
    return tops


def role_map(pdf):
    root = pdf.Root.get("/StructTreeRoot")
    mapping = root.get("/RoleMap") if isinstance(root, pikepdf.Dictionary) else None
    return mapping if isinstance(mapping, pikepdf.Dictionary) else None


def element(pdf, role, kids=(), *, page=None, **entries):
    """A new structure element; `kids` are elements, MCIDs (ints, on `page`) or dictionaries."""
    obj = pikepdf.Dictionary(Type=Name.StructElem, S=Name("/" + role), K=pikepdf.Array(kids))
    if page is not None:
        obj.Pg = page.obj if hasattr(page, "obj") else page
    for key, value in entries.items():
        obj[f"/{key}"] = value
    return pdf.make_indirect(obj)


def link_reference(annotation, page):
    return pikepdf.Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page)


def build_structure(pdf, kids, *, roles=None, problems=None):
    """Make `kids` (elements already in `pdf`) the children of one Document element, the
    document's only structure root, and number the parent tree anew: every page gets a
    StructParents key and tab order by structure, every annotation an element refers to a
    StructParent key, every element a parent link.

    One walk over the tree does it all, in reading order; given a list as `problems`, the same
    walk adds the checker's rules on the elements themselves (headings do not skip levels,
    tables have header cells, figures alternative text) and every link annotation left without
    a structure parent, so a build can decide its PDF/UA claim without walking the tree again.
    The parent tree, parent links and tab order it writes hold by construction."""
    document = element(pdf, "Document", kids)
    tree = pikepdf.Dictionary(Type=Name.StructTreeRoot, K=pikepdf.Array([document]))
    if roles:
        tree.RoleMap = roles
    pdf.Root.StructTreeRoot = tree = pdf.make_indirect(tree)
    document.P = tree
    standard = {str(key): str(value) for key, value in roles.items()} if roles else {}
    checking = problems is not None

    page_list = [page.obj for page in pdf.pages]
    page_keys = [page.objgen for page in page_list]
    pages = {objgen: index for index, objgen in enumerate(page_keys)}
    marked = {}  # page or stream objgen → {mcid: element}
    streams = {}  # stream objgen → stream, for MCRs inside form XObjects
    annotations = []  # (annotation, element)
    tables, with_headers, last_heading = [], set(), 0
    seen, stack, count = set(), [(document, None, None)], 0
    while stack:
        elem, page, table = stack.pop()
        count += 1
        if count > MAX_ELEMENTS:
            raise StructureError("the structure tree is too large")
        page = elem.get("/Pg", page)
        if checking:
            role = str(elem.get("/S"))
            role = standard.get(role, role)
            if role in HEADINGS:
                level = HEADINGS[role]
                if level > last_heading + 1:
                    problems.append(
                        f"{_where(role, page, pages)}: heading level skips from "
                        f"H{last_heading} to H{level}"
                    )
                last_heading = level
            elif role == "/Table":
                table = elem.objgen
                tables.append((table, _where(role, page, pages)))
            elif role == "/TH" and table is not None:
                with_headers.add(table)
            elif (
                role == "/Figure"
                and not str(elem.get("/Alt", ""))
                and not str(elem.get("/ActualText", ""))
            ):
                problems.append(f"{_where(role, page, pages)}: figure without alternative text")
        kids = elem.get("/K")
        if kids is None:
            continue
        single = not isinstance(kids, pikepdf.Array)
        items = [kids] if single else list(kids)
        changed, children = False, []
        for position, kid in enumerate(items):
            if isinstance(kid, int):
                if page is not None:
                    marked.setdefault(page.objgen, {})[int(kid)] = elem
            elif isinstance(kid, pikepdf.Dictionary):
                # (pikepdf: .get is cheaper than `in`, attribute setting than item setting)
                if kid.get("/S") is not None and kid.get("/Type") != "/MCR":
                    objgen = kid.objgen
                    if objgen == (0, 0):
                        kid = items[position] = pdf.make_indirect(kid)
                        objgen, changed = kid.objgen, True
                    if objgen in seen:
                        raise StructureError("the structure tree loops")
                    seen.add(objgen)
                    kid.P = elem
                    children.append((kid, page, table))
                    continue
                kind = kid.get("/Type")
                if kind == "/MCR":
                    owner = kid.get("/Stm") or kid.get("/Pg", page)
                    if owner is not None and "/MCID" in kid:
                        if "/Stm" in kid:
                            streams[owner.objgen] = owner
                        marked.setdefault(owner.objgen, {})[int(kid.MCID)] = elem
                elif kind == "/OBJR":
                    target = kid.get("/Obj")
                    if isinstance(target, pikepdf.Dictionary):
                        annotations.append((target, elem))
        if changed:
            elem.K = items[0] if single else pikepdf.Array(items)
        stack.extend(reversed(children))  # last in, first out: children in reading order

    nums = []
    for index, page in enumerate(page_list):
        page.StructParents = index
        page.Tabs = Name.S
        nums += [index, _mcid_array(marked.get(page_keys[index], {}))]
    key = len(page_list)
    for objgen, stream in streams.items():
        if objgen in pages:
            continue
        stream.StructParents = key
        nums += [key, _mcid_array(marked[objgen])]
        key += 1
    linked = set()
    for annotation, elem in annotations:
        annotation.StructParent = key
        linked.add(annotation.objgen)
        nums += [key, elem]
        key += 1
    tree.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    tree.ParentTreeNextKey = key
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    if checking:
        problems += [
            f"{where}: table without header cells"
            for table, where in tables
            if table not in with_headers
        ]
        for index, page in enumerate(page_list):
            for annotation in page.get("/Annots", ()):
                if (
                    isinstance(annotation, pikepdf.Dictionary)
                    and annotation.get("/Subtype") == Name.Link
                    and annotation.objgen not in linked
                ):
                    problems.append(f"page {index + 1}: link annotation without a structure parent")
    return document


def _where(role, page, pages):
    index = pages.get(page.objgen) if page is not None else None
    return f"{role[1:]} element" + (f" on page {index + 1}" if index is not None else "")


def _mcid_array(by_mcid):
    if not by_mcid:
        return pikepdf.Array()
    return pikepdf.Array([by_mcid.get(mcid) for mcid in range(max(by_mcid) + 1)])


# ---- The checker

PAINTING = {"Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh"}
PAINTING.add("INLINE IMAGE")


def check_structure(pdf, *, content=True):
    """Every problem found in a tagged PDF (an open pikepdf.Pdf), in words; [] when it holds.
    `content=False` skips reading every page's content stream (the slow part)."""
    problems = []
    root = pdf.Root
    if not (root.get("/MarkInfo") or {}).get("/Marked", False):
        problems.append("the document is not marked as tagged (MarkInfo /Marked)")
    if not str(root.get("/Lang", "")):
        problems.append("the document states no language")
    if not (root.get("/ViewerPreferences") or {}).get("/DisplayDocTitle", False):
        problems.append("viewers are not told to show the title (DisplayDocTitle)")
    if not str(pdf.docinfo.get("/Title", "")):
        problems.append("the document has no title")
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return problems + ["the document has no structure tree"]
    tops = [kid for kid in _kids(tree) if _is_element(kid)]
    if len(tops) != 1 or tops[0].get("/S") != "/Document":
        problems.append("the structure tree has no single Document root")
    roles = role_map(pdf) or {}
    page_index = {page.objgen: index for index, page in enumerate(pdf.pages)}

    referenced = {}  # (page objgen, mcid) → element
    objrs = {}  # annotation objgen → element
    last_heading, seen, stack = 0, set(), [(kid, None) for kid in reversed(tops)]
    while stack:
        elem, page = stack.pop()
        if elem.objgen in seen:
            problems.append("the structure tree loops")
            break
        seen.add(elem.objgen)
        page = elem.get("/Pg", page)
        role = str(elem.get("/S"))
        standard = str(roles.get(role, role))
        where = f"{standard[1:]} element" + (
            f" on page {page_index[page.objgen] + 1}"
            if page is not None and page.objgen in page_index
            else ""
        )
        if standard in HEADINGS:
            level = HEADINGS[standard]
            if level > last_heading + 1:
                problems.append(f"{where}: heading level skips from H{last_heading} to H{level}")
            last_heading = level
        elif standard == "/Table" and not _has_role(elem, "/TH", roles):
            problems.append(f"{where}: table without header cells")
        elif (
            standard == "/Figure"
            and not str(elem.get("/Alt", ""))
            and not str(elem.get("/ActualText", ""))
        ):
            problems.append(f"{where}: figure without alternative text")
        children = []
        for kid in _kids(elem):
            if isinstance(kid, int):
                if page is None:
                    problems.append(f"{where}: marked content without a page")
                else:
                    referenced[(page.objgen, int(kid))] = elem
            elif isinstance(kid, pikepdf.Dictionary):
                kind = kid.get("/Type")
                if kind == "/MCR":
                    owner = kid.get("/Stm") or kid.get("/Pg", page)
                    if owner is not None:
                        referenced[(owner.objgen, int(kid.get("/MCID", -1)))] = elem
                elif kind == "/OBJR":
                    target = kid.get("/Obj")
                    if isinstance(target, pikepdf.Dictionary):
                        objrs[target.objgen] = elem
                elif "/S" in kid:
                    if kid.get("/P") is None or kid.P.objgen != elem.objgen:
                        problems.append(f"{where}: a child's parent link is wrong")
                    children.append((kid, page))
        stack.extend(reversed(children))

    parent_tree = _number_tree(tree.get("/ParentTree"))
    for index, page in enumerate(pdf.pages):
        number = index + 1
        if page.obj.get("/Tabs") != Name.S:
            problems.append(f"page {number}: tab order is not by structure (/Tabs /S)")
        key = page.obj.get("/StructParents")
        mcids = _page_mcids(page, problems, number) if content else None
        if key is None:
            if mcids:
                problems.append(f"page {number}: marked content but no StructParents")
        else:
            entries = parent_tree.get(int(key))
            if not isinstance(entries, pikepdf.Array):
                problems.append(f"page {number}: StructParents {key} not in the parent tree")
                entries = pikepdf.Array()
            for mcid, entry in enumerate(entries):
                if entry is None or not isinstance(entry, pikepdf.Dictionary):
                    continue
                owner = referenced.get((page.objgen, mcid))
                if owner is None or owner.objgen != entry.objgen:
                    problems.append(
                        f"page {number}: parent-tree entry for MCID {mcid} does not resolve"
                    )
            for mcid in mcids or ():
                if (page.objgen, mcid) not in referenced:
                    problems.append(f"page {number}: MCID {mcid} belongs to no element")
                elif mcid >= len(entries) or not isinstance(entries[mcid], pikepdf.Dictionary):
                    problems.append(f"page {number}: MCID {mcid} missing from the parent tree")
        for annotation in page.obj.get("/Annots", []):
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            if annotation.get("/Subtype") != Name.Link:
                continue
            parent = annotation.get("/StructParent")
            owner = objrs.get(annotation.objgen)
            if parent is None or owner is None:
                problems.append(f"page {number}: link annotation without a structure parent")
            elif not isinstance(parent_tree.get(int(parent)), pikepdf.Dictionary) or (
                parent_tree[int(parent)].objgen != owner.objgen
            ):
                problems.append(f"page {number}: link annotation's StructParent does not resolve")
    return problems


def _has_role(elem, role, roles):
    stack, seen = list(_kids(elem)), 0
    while stack and seen < 100_000:
        kid = stack.pop()
        seen += 1
        if _is_element(kid):
            if str(roles.get(str(kid.S), kid.S)) == role:
                return True
            stack.extend(_kids(kid))
    return False


def _number_tree(node, depth=0):
    """A number tree (Nums and Kids) as a dict."""
    found = {}
    if not isinstance(node, pikepdf.Dictionary) or depth > 20:
        return found
    nums = node.get("/Nums")
    if isinstance(nums, pikepdf.Array):
        for index in range(0, len(nums) - 1, 2):
            found[int(nums[index])] = nums[index + 1]
    for kid in node.get("/Kids", []):
        found.update(_number_tree(kid, depth + 1))
    return found


def _page_mcids(page, problems, number):
    """The MCIDs a page's content stream marks; painting outside any marked-content sequence
    (neither tagged nor an artifact) is a problem."""
    mcids, stack, untagged = [], [], 0
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if op == "BDC" and len(operands) > 1 else None
            mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
            if mcid is not None:
                mcids.append(int(mcid))
            covered = tag == "/Artifact" or mcid is not None or (stack and stack[-1])
            stack.append(bool(covered))
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op in PAINTING and not (stack and stack[-1]):
            untagged += 1
    if untagged:
        problems.append(
            f"page {number}: {untagged} painting operation(s) neither tagged nor artifact"
        )
    return mcids


def split_elements(pdf, starts):
    """The top-level elements of `pdf` grouped by the part they start in, for parts starting
    at page indices `starts` (a batch typeset in one pass, cut into parts)."""
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    groups = [[] for _ in starts]
    current = 0
    for top in take_elements(pdf, cut=False) or ():  # WeasyPrint's own tree
        index = _first_page(top, pages)
        if index is not None:
            while current + 1 < len(starts) and index >= starts[current + 1]:
                current += 1
        groups[current].append(top)
    return groups


def _first_page(elem, pages):
    stack = [elem]
    while stack:
        item = stack.pop()
        page = item.get("/Pg")
        if page is not None and page.objgen in pages:
            return pages[page.objgen]
        stack.extend(reversed([kid for kid in _kids(item) if isinstance(kid, pikepdf.Dictionary)]))
    return None


# ---- Running headers and footers of a document WeasyPrint typeset alone


def mark_margin_artifacts(pdf):
    """Mark the content of the page margin boxes (the running header and "page N of M") as
    pagination artifacts. WeasyPrint numbers that content as marked content but leaves its
    elements out of the tree (weasyprint/pdf/tags.py: an artifact in the tree is PDF 2.0 only),
    so a reader finds text that belongs to nothing. Every MCID whose parent-tree entry is an
    element outside the tree has its sequence re-marked `/Artifact` and its entry emptied; only
    the pages holding one are parsed. Returns how many sequences were re-marked."""
    tree = pdf.Root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return 0
    reachable, stack = set(), [kid for kid in _kids(tree) if _is_element(kid)]
    while stack:
        elem = stack.pop()
        if elem.objgen in reachable:
            raise StructureError("the structure tree loops")
        reachable.add(elem.objgen)
        if len(reachable) > MAX_ELEMENTS:
            raise StructureError("the structure tree is too large")
        stack.extend(kid for kid in _kids(elem) if _is_element(kid))
    parent_tree = _number_tree(tree.get("/ParentTree"))
    count = 0
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        entries = parent_tree.get(int(key)) if key is not None else None
        if not isinstance(entries, pikepdf.Array):
            continue
        orphans = set()
        for mcid, entry in enumerate(entries):
            if isinstance(entry, pikepdf.Dictionary) and entry.objgen not in reachable:
                orphans.add(mcid)
                entries[mcid] = None
        if not orphans:
            continue
        instructions = []
        for instruction in pikepdf.parse_content_stream(page):
            if isinstance(instruction, pikepdf.ContentStreamInstruction):
                operands = instruction.operands
                if (
                    str(instruction.operator) == "BDC"
                    and len(operands) == 2
                    and isinstance(operands[1], pikepdf.Dictionary)
                    and operands[1].get("/MCID") in orphans
                ):
                    count += 1
                    instruction = pikepdf.ContentStreamInstruction(
                        [Name.Artifact, pikepdf.Dictionary(Type=Name.Pagination)],
                        pikepdf.Operator("BDC"),
                    )
            instructions.append(instruction)
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    return count


def with_margin_artifacts(data):
    """`mark_margin_artifacts` on the bytes of a PDF (our own WeasyPrint output)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if not mark_margin_artifacts(pdf):
            return data
        return pdf_bytes(pdf)
