"""Every PDF render runs in a child process with a wall-time and a memory limit (wkp/pdf.py).

A render over its limit is killed (the child and its process group, SIGKILL) and reported as a
clear error: the pack job is marked failed with it, a download shows it on the paper's page, and
the web process keeps answering. No child is left behind.
"""

import resource
import threading
import time
from pathlib import Path

import psutil
import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, PackJob
from meetings.tasks import request_pack_build
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from wkp.pdf import (
    CHILD_GC_THRESHOLDS,
    Limits,
    PdfRenderError,
    RenderTimeout,
    RenderTooLarge,
    render,
    render_pdf,
    run_isolated,
)

# These tests are about the render child and its fetcher: every render typesets.
pytestmark = pytest.mark.typeset_every_time

SMALL = '<html lang="en-GB"><body><p>A small paper.</p></body></html>'
PARAGRAPH = "<p>" + "The partnership reviewed the community safety plan. " * 30 + "</p>"


def document(paragraphs):
    return f'<html lang="en-GB"><body>{PARAGRAPH * paragraphs}</body></html>'


def descendants():
    return {child.pid: child for child in psutil.Process().children(recursive=True)}


def assert_no_child_left(before):
    """Only the fork server and multiprocessing's resource tracker remain, and no zombies."""
    after = descendants()
    assert set(after) == set(before)
    assert all(child.status() != psutil.STATUS_ZOMBIE for child in after.values())


@pytest.fixture
def fork_server():
    """Start the fork server with a first render, and return the processes it leaves."""
    render_pdf(SMALL, name="warm-up")
    return descendants()


def the_server(processes):
    """The fork server among the processes the `fork_server` fixture returns."""
    return next(p for p in processes.values() if "forkserver" in " ".join(p.cmdline()))


def render_in_thread(function):
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            outcome["value"] = function()
        except Exception as error:
            outcome["error"] = error
        finally:
            connections.close_all()  # this thread's own, or the test database outlives the run
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def new_child(before, thread):
    """The render child, as soon as it appears (while `thread` waits for it)."""
    while thread.is_alive():
        children = [pid for pid in descendants() if pid not in before]
        if children:
            return psutil.Process(children[0])
        time.sleep(0.01)
    raise AssertionError("no render child appeared")


def test_renders_run_in_a_child_with_the_limits_and_the_locked_fetcher(fork_server):
    pid, address_space, thresholds = run_isolated(
        _pid_address_space_and_collector, name="probe", limits=Limits(timeout=10, memory_mb=900)
    )
    assert pid != psutil.Process().pid
    assert address_space == (900 * 1024 * 1024, 900 * 1024 * 1024)
    # The collector runs seldom in a render child, but it runs (see CHILD_GC_THRESHOLDS).
    assert thresholds == CHILD_GC_THRESHOLDS and min(thresholds) > 0
    rendered = render(
        '<html lang="en"><body><img src="file:///etc/passwd"><p>x</p></body></html>', name="t"
    )
    assert rendered.refused == ("file:///etc/passwd",)
    assert rendered.served == ()
    assert_no_child_left(fork_server)


def _pid_address_space_and_collector():
    import gc
    import os

    return os.getpid(), resource.getrlimit(resource.RLIMIT_AS), gc.get_threshold()


def test_a_child_that_hangs_is_killed_at_its_time_limit(fork_server):
    thread, outcome = render_in_thread(
        lambda: run_isolated(time.sleep, 600, name="Paper H", limits=Limits(1, 1024))
    )
    child = new_child(fork_server, thread)
    thread.join(30)  # the child sleeps for 600 s: only the kill ends it within the join
    assert not thread.is_alive()
    assert isinstance(outcome["error"], RenderTimeout)
    assert str(outcome["error"]) == (
        "Paper H took longer than 1 seconds to typeset and was stopped."
    )
    assert not psutil.pid_exists(child.pid)
    assert_no_child_left(fork_server)


def test_a_real_render_over_its_time_limit_is_killed_and_the_next_one_succeeds(fork_server):
    big = document(1500)  # about 375 pages: a minute's typesetting here
    thread, outcome = render_in_thread(
        lambda: render_pdf(big, name="Paper L", limits=Limits(timeout=1.5, memory_mb=1024))
    )
    child = new_child(fork_server, thread)
    time.sleep(0.5)
    assert child.cpu_times().user > 0  # it was typesetting when the limit came
    thread.join(30)  # a minute's typesetting: only the kill ends it within the join
    assert not thread.is_alive()
    assert isinstance(outcome["error"], RenderTimeout)
    assert "Paper L took longer than 1.5 seconds" in str(outcome["error"])
    assert not psutil.pid_exists(child.pid)
    assert_no_child_left(fork_server)
    assert render_pdf(SMALL, name="next").startswith(b"%PDF-")


def test_a_render_needing_more_memory_than_its_limit_fails_cleanly(fork_server):
    server = the_server(fork_server)
    # 32 MB more than the fork server has mapped: room for a five-page paper, not for the
    # 330 pages of document(1000) (some 250 MB more). The server keeps to one malloc arena
    # (wkp/render_server.py), so a child has no reserved address space to run on into.
    limit = (server.memory_info().vms >> 20) + 32
    within = Limits(timeout=300, memory_mb=limit)
    assert render(document(20), name="Paper K", limits=within).page_count > 3
    with pytest.raises(RenderTooLarge, match=f"Paper M .*more than {limit} MB of memory"):
        render_pdf(document(1000), name="Paper M", limits=within)
    assert_no_child_left(fork_server)
    # The next render, with the default limit (1024 MB), succeeds.
    assert render(document(20), name="Paper N").page_count > 3


def test_a_child_gets_no_more_memory_than_its_limit(fork_server):
    """Held to the limit, not 64 or 128 MB past it in glibc's reserved arenas (see
    wkp/render_server.py): a child allocating 1 MB at a time is refused within the 200 MB it
    was given over the fork server's size (importing this module takes some of it)."""
    server = the_server(fork_server)
    limit = (server.memory_info().vms >> 20) + 200
    got = run_isolated(
        _megabytes_until_refused, name="probe", limits=Limits(timeout=30, memory_mb=limit)
    )
    assert 100 < got <= 200


def _megabytes_until_refused():
    held = []
    try:
        while True:
            held.append(bytearray(1 << 20))
    except MemoryError:
        got = len(held)
        held.clear()
        return got


def test_the_fork_server_keeps_to_one_malloc_arena(fork_server):
    """glibc reserves 64 MB of address space for each further arena; a child at its limit
    would run on into it (see wkp/render_server.py)."""
    server = the_server(fork_server)
    reserved = [
        line
        for line in Path(f"/proc/{server.pid}/maps").read_text().splitlines()
        if line.split()[1] == "---p" and _size_mb(line) >= 32
    ]
    assert reserved == []


def _size_mb(maps_line):
    start, end = maps_line.split()[0].split("-")
    return (int(end, 16) - int(start, 16)) >> 20


def test_an_error_in_the_child_comes_back_as_a_clear_message(fork_server):
    html = "<div>" * 3000 + "deep" + "</div>" * 3000
    with pytest.raises(PdfRenderError, match="Paper Z is nested too deeply to typeset"):
        render_pdf(f"<html><body>{html}</body></html>", name="Paper Z")
    assert_no_child_left(fork_server)


@pytest.fixture
def published_paper(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    # About 400 pages, so that no machine typesets it within the tests' limits (5 s at most):
    # a quick run once typeset 100 pages before the 5 s limit came.
    paper = PaperFactory(
        meeting=meeting, letter="A", title="Long report", body_html=PARAGRAPH * 1600
    )
    AgendaItemFactory(meeting=meeting).papers.add(paper)
    return paper


@pytest.mark.django_db
def test_the_pack_job_is_marked_failed_with_the_message_when_its_render_is_killed(
    published_paper, settings, django_capture_on_commit_callbacks, fork_server, member_client
):
    settings.WKP_RENDER_TIMEOUT = 30  # the web's limit: the worker must use its own
    settings.WKP_PACK_RENDER_TIMEOUT = 0.5
    meeting = published_paper.meeting
    with django_capture_on_commit_callbacks(execute=True):
        job = request_pack_build(meeting)
    job.refresh_from_db()
    assert job.status == PackJob.Status.FAILED
    assert job.message == (
        f"The pack could not be built: The papers of {meeting} took longer than 0.5 seconds "
        "to typeset and was stopped."
    )
    assert not meeting.pack_versions.exists()
    assert_no_child_left(fork_server)
    page = member_client.get(meeting.get_absolute_url())
    assert page.status_code == 200
    assert "took longer than 0.5 seconds" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_web_keeps_answering_while_a_download_render_is_killed(
    published_paper, settings, member, fork_server
):
    settings.WKP_RENDER_TIMEOUT = 5
    slow, other = Client(), Client()
    slow.force_login(member)
    other.force_login(member)
    url = reverse("meetings:paper_pdf", args=[published_paper.pk])
    thread, outcome = render_in_thread(lambda: slow.get(url))
    child = new_child(fork_server, thread)
    page = other.get(published_paper.get_absolute_url())
    assert page.status_code == 200
    assert thread.is_alive()  # answered while the download was still being typeset
    thread.join(30)
    response = outcome["value"]
    assert response.status_code == 302
    assert response.url == published_paper.get_absolute_url()
    assert not psutil.pid_exists(child.pid)
    assert_no_child_left(fork_server)
    shown = slow.get(response.url).content.decode()
    assert "Paper A – Long report took longer than 5 seconds to typeset and was stopped." in shown
    # The next, normal, render in the same process succeeds.
    published_paper.body_html = "<p>Short now.</p>"
    published_paper.save()
    again = slow.get(url)
    assert again.status_code == 200
    assert again.content.startswith(b"%PDF-")


@pytest.fixture
def render_starts(monkeypatch):
    """Every render child started, by name (the real `run_isolated` still runs)."""
    from wkp import pdf

    started, run_isolated = [], pdf.run_isolated

    def counted(function, *args, name, limits=None):
        started.append(name)
        return run_isolated(function, *args, name=name, limits=limits)

    monkeypatch.setattr(pdf, "run_isolated", counted)
    return started


@pytest.mark.django_db
def test_a_download_that_hit_its_limit_is_not_typeset_again_until_it_changes(
    published_paper, settings, member_client, render_starts
):
    settings.WKP_RENDER_TIMEOUT = 0.5
    url = reverse("meetings:paper_pdf", args=[published_paper.pk])
    message = "Paper A – Long report took longer than 0.5 seconds to typeset and was stopped."
    for _ in range(2):
        response = member_client.get(url)
        assert response.status_code == 302
        assert response.url == published_paper.get_absolute_url()
        assert message in member_client.get(response.url).content.decode()
    assert render_starts == ["Paper A – Long report"]  # the second answered without a render
    # A raised limit tries the same content again, and so does changed content.
    settings.WKP_RENDER_TIMEOUT = 0.6
    assert member_client.get(url).status_code == 302
    assert len(render_starts) == 2
    settings.WKP_RENDER_TIMEOUT = 5
    published_paper.body_html = "<p>Short now.</p>"
    published_paper.save()
    changed = member_client.get(url)
    assert changed.status_code == 200 and changed.content.startswith(b"%PDF-")
    assert len(render_starts) == 3


@pytest.mark.django_db
def test_a_statement_that_hit_its_limit_shows_the_error_and_is_not_typeset_again(
    settings, tmp_path, member_client, render_starts
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WKP_RENDER_TIMEOUT = 0.01  # no statement is typeset this fast
    url = reverse("finance:statement_pdf") + "?as_of=2006-07-14"
    page = reverse("finance:statement_detail") + "?as_of=2006-07-14"
    for _ in range(2):
        response = member_client.get(url)
        assert response.status_code == 302
        assert response.url == page
        assert (
            "WKP Financial Report - July 2006 took longer than 0.01 seconds to typeset and was "
            "stopped." in member_client.get(page).content.decode()
        )
    assert render_starts == ["WKP Financial Report - July 2006"]  # the second without a render


def test_the_web_process_never_loads_weasyprint():
    """Only the render fork server loads WeasyPrint (wkp/typesetting.py): a process that has
    loaded the WSGI application, every URL's view and the PDF module has not."""
    from tests.wkp.test_settings import run_manage

    code = (
        "import sys; import wkp.wsgi, wkp.pdf, meetings.pack; from django.urls import get_resolver;"
        "get_resolver().resolve('/');"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'wkp', 'meetings', 'weasyprint'}))"
    )
    result = run_manage("shell", "-c", code, env_overrides={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['meetings', 'wkp']"
