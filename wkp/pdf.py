"""PDF rendering: WeasyPrint runs only in a child process (wkp/typesetting.py, the only module
that loads it), with a URL fetcher that refuses by default.

Documents are rendered with the base URL https://wkp.invalid/, so `{% static %}` paths resolve
to https://wkp.invalid/static/…; the fetcher serves those from the app's own static files and
https://wkp.invalid/media/<name> only for the stored files a render explicitly allows. Every
other URL (http(s) to any host, file://, ftp, oversized data:) is refused and recorded, and
nothing is ever requested over the network.

Isolation: WeasyPrint lays out documents built from users' content, and a pathological one can
take minutes or gigabytes. So every render runs in its own process, forked from a
multiprocessing fork server that has Django and WeasyPrint loaded already (`wkp.render_server`):
the threaded web process is never forked itself, and a child starts in milliseconds instead of
re-importing everything. The child makes itself a process group and limits its address space
(RLIMIT_AS), its CPU time (a backstop should the parent die) and core dumps; the parent waits at
most the wall-time limit, then kills the child's group with SIGKILL. Only picklable values cross:
the HTML, the options and a few settings in; the PDF bytes, page count, anchors and the
fetcher's record out, its size capped when `Limits.output_bytes` is set. A breach raises
`RenderLimitExceeded`, a `PdfRenderError`. Uploaded files are checked in the same kind of child
(meetings/uploads.py).
"""

import contextlib
import contextvars
import functools
import gc
import hashlib
import io
import logging
import math
import multiprocessing
import os
import re
import resource
import signal
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler

import pikepdf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

BASE_URL = "https://wkp.invalid/"


class PdfRenderError(Exception):
    """A document could not be rendered; the message names it and says why."""


class RenderLimitExceeded(PdfRenderError):
    """The render was stopped: it ran too long, or needed too much memory."""


class RenderTimeout(RenderLimitExceeded):
    pass


class RenderTooLarge(RenderLimitExceeded):
    pass


class RenderOutputTooLarge(RenderLimitExceeded):
    """The child's answer was larger than `Limits.output_bytes`."""


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    anchors: dict  # each id in the document → the index of the page it starts on
    served: tuple = ()
    refused: tuple = ()


def pdf_bytes(pdf):
    """The bytes of a PDF this app assembled with pikepdf (the pack, a paper, a supplement): the
    same bytes for the same document, and every object in compressed object streams. qpdf's
    default keeps only the objects that were in a stream in the file they came from, so the
    structure elements copied into a pack were written out uncompressed: a 200-page pack took
    1.78 MB and 0.093 s to save, 0.69 MB and 0.054 s so. Not for uploads cleaned as they came
    (meetings/uploads.py): qpdf can write a damaged file it recovered this way that it cannot
    read back."""
    output = io.BytesIO()
    pdf.save(output, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return output.getvalue()


def render(html, *, name, allowed_media=(), tagged=True, fetcher=None, limits=None):
    """Typeset an HTML document in a child process (see the module docstring): a RenderedPdf.

    `name` labels the document in errors ("Paper B"). Metadata comes from the document itself:
    <title>, <meta name="author">, <meta name="description"> (subject), <html lang>, and
    <meta name="dcterms.created">. Tagged PDF (structure tree) is on by default, with the running
    header and footer (the page's margin boxes, where it has any) marked as artifacts in the
    child (wkp/typesetting.py). A `fetcher` passed in lends its allowed media to the child's own
    LockedFetcher and gets its record back.
    """
    if fetcher is not None:
        allowed_media = fetcher.allowed_media
    rendered = run_isolated(
        typeset, html, name, frozenset(allowed_media), tagged, name=name, limits=limits
    )
    # One line per WeasyPrint layout: the load test counts them to show downloads never typeset.
    logger.info("PDF rendered: %s", name)
    if fetcher is not None:
        fetcher.served.extend(rendered.served)
        fetcher.refused.extend(rendered.refused)
    return rendered


def render_pdf(html, *, name, **options):
    """Render an HTML document to PDF bytes, in a child process (see `render` for `options`)."""
    return render(html, name=name, **options).pdf


CREATED_META = re.compile(r'<meta name="dcterms\.created" content="[^"]*">')


def render_pdf_once(html, *, name, tagged=True, keep=True):
    """The PDF of exactly this HTML, typeset once and then read back from storage.

    For downloads typeset on request (minutes, finance statements, sub-group reports): the key is
    the HTML (less its creation time, templates/pdf/base.html's `dcterms.created`) and the print
    styles, so any change to either typesets again. Such documents carry no stored files, so
    nothing else can change their output. `keep=False` for a document a member can ask for in
    endless variants (the fund statement as of any date): typeset, not stored.
    """
    digest = hashlib.sha256()
    # "artifacts": since the child marks the margin boxes, a file typeset before is not reused.
    digest.update(f"{int(tagged)}\x00artifacts\x00{CREATED_META.sub('', html)}\x00".encode())
    digest.update(print_style_bytes())
    return stored_once(
        f"renders/documents/{digest.hexdigest()}.pdf",
        lambda: render_pdf(html, name=name, tagged=tagged),
        keep=keep,
    )


def stored_once(path, make, *, keep=True):
    """Read a rendered file from storage, or make and store it (keyed by content fingerprint);
    with keep=False, make it without storing it.

    A make that hit its render limit is not tried again for FAILED_RENDER_SECONDS: the same
    content within the same limits would only hold a web worker as long again. The failure is
    remembered (in Django's cache) under the file's own key and the limits, so changed content,
    or a raised limit, is typeset at once."""
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as handle:
            return handle.read()
    failed = _failure_key(path)
    message = cache.get(failed)
    if message is not None:
        logger.info("PDF render not tried again (it hit its limit): %s", path)
        raise RenderLimitExceeded(message)
    try:
        data = make()
    except RenderLimitExceeded as error:
        cache.set(failed, str(error), FAILED_RENDER_SECONDS)
        raise
    if keep:
        default_storage.save(path, ContentFile(data))
    return data


FAILED_RENDER_SECONDS = 15 * 60


def _failure_key(path):
    return (
        "wkp:render-failed:" + hashlib.sha256(repr((path, current_limits())).encode()).hexdigest()
    )


# The stylesheets templates/pdf/base.html links: a change to them typesets everything again.
PRINT_STYLESHEETS = ("css/print.css", "finance/print.css")


@functools.cache
def print_style_bytes():
    data = b""
    for name in PRINT_STYLESHEETS:
        with open(finders.find(name), "rb") as handle:
            data += handle.read()
    return data


# The templates that shape printed documents: the print base, every app's print-only documents
# and the partials that pages and PDFs share. Relative to a template folder.
PRINT_TEMPLATE_PATTERNS = ("pdf/**/*.html", "*/pdf/**/*.html", "*/partials/**/*.html")


def template_folders():
    """Every folder the Django template engine loads from (project and app folders)."""
    from django.template import engines

    return tuple(str(folder) for folder in engines["django"].template_dirs)


@functools.cache
def print_template_hash(folders=None, code_root=None):
    """A SHA-256 of the sources of the print templates (PRINT_TEMPLATE_PATTERNS) and of the
    project's template filters and tags (`*/templatetags/*.py` under `code_root`, the project:
    they write dates, times, money and list numbers into the print), so that a render-cache key
    made with it changes whenever what renders a paper changes; no version number to bump by
    hand. Computed once per process (code changes on deploy, which restarts it);
    `print_template_hash.cache_clear()` after changing one in place."""
    from pathlib import Path

    digest = hashlib.sha256()
    roots = [(Path(folder), PRINT_TEMPLATE_PATTERNS) for folder in folders or template_folders()]
    roots.append((Path(code_root or settings.BASE_DIR), ("*/templatetags/*.py",)))
    for root, patterns in roots:
        found = {path for pattern in patterns for path in root.glob(pattern)}
        for path in sorted(found):
            digest.update(str(path.relative_to(root)).encode() + b"\x00")
            digest.update(path.read_bytes() + b"\x00")
    return digest.hexdigest()


def typeset(html, name, allowed_media, tagged):
    """The work done in the child (wkp/typesetting.py, which loads WeasyPrint): a RenderedPdf.
    Imported there, not here, so that the web process never loads WeasyPrint."""
    from wkp.typesetting import typeset_document

    return typeset_document(html, name, allowed_media, tagged)


# ---- Isolation

# The settings a render reads (static files, stored media). A child forked from the fork server
# has the settings module's values; these carry any change made since (tests move MEDIA_ROOT).
CARRIED_SETTINGS = (
    "STATIC_URL",
    "STATIC_ROOT",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "STORAGES",
)


@dataclass(frozen=True)
class Limits:
    timeout: float  # seconds of wall time
    memory_mb: int  # address space of the child, in MiB
    output_bytes: int | None = None  # the largest answer the child may send back (pickled)


_limits = contextvars.ContextVar("wkp_render_limits", default=None)


def current_limits():
    """The limits set by `render_limits`, else the settings' (those for a web request)."""
    return _limits.get() or Limits(
        timeout=settings.WKP_RENDER_TIMEOUT, memory_mb=settings.WKP_RENDER_MEMORY_MB
    )


@contextlib.contextmanager
def render_limits(*, timeout=None, memory_mb=None):
    """Renders inside the block use these limits (the background pack build allows longer)."""
    base = current_limits()
    token = _limits.set(
        Limits(
            timeout=base.timeout if timeout is None else timeout,
            memory_mb=base.memory_mb if memory_mb is None else memory_mb,
        )
    )
    try:
        yield
    finally:
        _limits.reset(token)


_CONTEXT = []
# The folder holding the `wkp` package.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _context():
    if not _CONTEXT:
        # Python 3.11's fork server ignores the parent's sys.path; through PYTHONPATH it can
        # preload wkp.render_server wherever this process was started from.
        paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if PROJECT_ROOT not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join([PROJECT_ROOT, *filter(None, paths)])
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["wkp.render_server"])
        _CONTEXT.append(context)
    return _CONTEXT[0]


def run_isolated(function, *args, name, limits=None):
    """`function(*args)` in a child process within `limits`: its result, or its
    PdfRenderError raised here. `function` must be importable by name (top level)."""
    limits = limits or current_limits()
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    carried = {key: getattr(settings, key) for key in CARRIED_SETTINGS if hasattr(settings, key)}
    process = context.Process(
        target=_child,
        args=(sender, function, args, limits, carried),
        name="wkp-render",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout):
            _kill(process)
            logger.warning("PDF render of %s stopped after %s s", name, limits.timeout)
            raise RenderTimeout(
                f"{name} took longer than {limits.timeout:g} seconds to typeset and was stopped."
            )
        try:
            maxlength = None if limits.output_bytes is None else limits.output_bytes + 4096
            outcome, value = ForkingPickler.loads(receiver.recv_bytes(maxlength))
        except EOFError:
            process.join()
            raise _crash(name, process.exitcode, limits) from None
        except OSError:  # longer than maxlength: the child's own check did not hold
            raise RenderOutputTooLarge(
                f"{name} produced more than {limits.output_bytes:,} bytes of output."
            ) from None
    finally:
        if process.is_alive():
            _kill(process)
        process.join()
        process.close()
        receiver.close()
    if outcome == "output":
        raise RenderOutputTooLarge(
            f"{name} produced more than {limits.output_bytes:,} bytes of output and was stopped."
        )
    if outcome == "memory":
        raise RenderTooLarge(
            f"{name} needs more than {limits.memory_mb} MB of memory to typeset and was stopped."
        )
    if outcome == "error":
        raise PdfRenderError(value)
    return value


def _kill(process):
    """SIGKILL the child's process group, and the child itself in case it has none yet."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.kill()


def _crash(name, exitcode, limits):
    logger.warning("PDF render of %s ended without a result (exit code %s)", name, exitcode)
    if exitcode == -signal.SIGXCPU:
        return RenderTimeout(f"{name} used too much processor time to typeset and was stopped.")
    if exitcode is not None and exitcode < 0:  # killed by a signal: most likely out of memory
        return RenderTooLarge(
            f"{name} could not be typeset: the renderer was stopped (signal {-exitcode}); it may "
            f"need more than {limits.memory_mb} MB of memory."
        )
    return PdfRenderError(f"{name} could not be typeset: the renderer stopped unexpectedly.")


# A render allocates millions of short-lived objects and frees nearly all of them when the child
# exits. At Python's default thresholds (700, 10, 10) the collector ran 1,745 times in a 136-page
# render and took 11% of its CPU time; at these it runs 11 times (2%), and it still runs, so a
# document that makes reference cycles stays within its memory limit. See
# tests/benchmarks/render_gc.py.
CHILD_GC_THRESHOLDS = (100_000, 50, 100)


def _child(sender, function, args, limits, carried):
    """The child's entry point: limits first, then the work; it always answers, or dies."""
    os.setpgid(0, 0)
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(limits.timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    gc.set_threshold(*CHILD_GC_THRESHOLDS)
    try:
        _prepare(carried)
        answer = ("ok", function(*args))
    except MemoryError:
        answer = ("memory", None)
    except PdfRenderError as error:
        answer = ("error", str(error))
    except Exception as error:  # The parent needs one kind of error, with a message.
        logger.exception("PDF render child failed")
        answer = ("error", f"The document could not be typeset ({type(error).__name__}).")
    try:
        payload = ForkingPickler.dumps(answer)
        if limits.output_bytes is not None and len(payload) > limits.output_bytes:
            payload = ForkingPickler.dumps(("output", len(payload)))
        sender.send_bytes(payload)
    except MemoryError:
        sender.send(("memory", None))
    sender.close()


def _prepare(carried):
    import django
    from django.apps import apps

    if not apps.ready:  # the fork server could not preload Django
        django.setup()
    for key, value in carried.items():
        if getattr(settings, key, None) != value:
            setattr(settings, key, value)
