"""What the pack benchmarks share (pack_benchmark.py, pack_tagging.py): a throwaway database and
media folder, CPU seconds that count the render children, and a synthetic meeting of N pages.

Importing this module does nothing; `start()` sets Django up. Call it only under the script's
`if __name__ == "__main__":` guard: each render child imports the script again (multiprocessing
does, as `__mp_main__`), and a child must not make a work folder or set Django up again.
"""

import contextlib
import datetime
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(prefix):
    """A throwaway SQLite database and media folder, Django set up and migrated: the work
    folder (a Path)."""
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

    import django

    django.setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return work


def cpu_seconds():
    """CPU seconds of this process and of every render child. The children are forked by the
    fork server, which reaps them, so they count in its children's times (RUSAGE_CHILDREN of
    this process would miss them)."""
    import psutil

    total = time.process_time()
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    total += own.ru_utime + own.ru_stime
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = child.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def timed(function):
    """`function()` and the CPU seconds it took (see cpu_seconds): far less disturbed than wall
    time by whatever else the machine is doing. The garbage left by what ran before is collected
    first, so that it is not charged to this measurement."""
    gc.collect()
    started = cpu_seconds()
    result = function()
    return result, cpu_seconds() - started


def synthetic_meeting(pages, *, paragraphs, uploads, checked=True):
    """A meeting of about `pages` pages: typed papers of ~2 pages (`paragraphs`, their HTML),
    and every fifth paper an uploaded PDF of 4 pages. `uploads(index)` gives that paper's file
    and whether it is tagged (None: not known). `checked`: stored as the app stores an upload,
    checked and counted once (a build does not parse it again); else as a file stored before
    uploads were checked, which every build checks in a child."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from meetings.models import AgendaItem, Meeting, Paper, letter_for
    from subgroups.models import Body

    body = Body.objects.get_or_create(name="Benchmark board")[0]
    meeting = Meeting.objects.create(
        body=body, date=datetime.date(2006, 7, 14), start_time=datetime.time(10, 0)
    )
    made, index = 0, 0
    while made < pages:
        item = AgendaItem.objects.create(meeting=meeting, title=f"Item {index}", position=index)
        letter = letter_for(index)
        if index % 5 == 4:
            data, tagged = uploads(index)
            paper = Paper.objects.create(
                meeting=meeting,
                letter=letter,
                title=f"Upload {index}",
                file_kind="pdf",
                page_count=4,
                pdf_tagged=tagged,
                file_checked_at=timezone.now() if checked else None,
            )
            paper.file.save("paper.pdf", ContentFile(data))
            made += 4
        else:
            paper = Paper.objects.create(
                meeting=meeting, letter=letter, title=f"Paper {index}", body_html=paragraphs
            )
            made += 2
        item.papers.add(paper)
        index += 1
    return meeting


def upload_pdf(pages, *, tagged, headings=False):
    """An uploaded PDF of `pages` pages, typeset by WeasyPrint (tagged or not): a paragraph a
    page, or with `headings` a heading and a paragraph a page, with a title and language."""
    from wkp.pdf import render_pdf

    if not headings:
        body = "".join(
            f'<p style="break-before: page">Uploaded page {n + 1}</p>' for n in range(pages)
        )
        return render_pdf(f"<html><body>{body}</body></html>", name="upload", tagged=tagged)
    body = "".join(
        f'<h1 style="break-before: page">Uploaded page {n + 1}</h1><p>Text {n + 1}</p>'
        for n in range(pages)
    )
    html = f'<html lang="en-GB"><head><title>Upload</title></head><body>{body}</body></html>'
    return render_pdf(html, name="upload", tagged=tagged)
