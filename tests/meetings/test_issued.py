"""Issued means frozen (issue 16): a paper's page and PDF show the words its pack issued, the
date does not change them, template changes reach the render cache, and two workers issuing
at once never collide."""

import datetime
import shutil
import threading

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, PackVersion, Paper
from meetings.pack import gather_pack, pack_entry
from subgroups.models import AnnualReport, SubGroupUpdate
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory, PersonFactory
from tests.pdftext import pdf_text as full_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]


def pdf_text(data):
    text = full_text(data)
    return " ".join(text.split())


def page_and_pdf(client, paper):
    page = client.get(paper.get_absolute_url())
    assert page.status_code == 200
    download = client.get(reverse("meetings:paper_pdf", args=[paper.pk]))
    assert download.status_code == 200
    return " ".join(page.text.split()), pdf_text(download.content)


def shows_as_issued(client, paper, issued, *, not_later):
    """The paper's page and PDF show the words as issued, not the later ones, and the page says
    a newer version exists. Returns the page."""
    page, pdf = page_and_pdf(client, paper)
    assert issued in page and not_later not in page, paper.letter
    assert issued in pdf and not_later not in pdf, paper.letter
    assert NEWER in page
    return page


NEWER = "A newer version of this paper exists"
PAPER_PAGE_QUERIES = 12  # session, user, paper, the issued version, its live content, items …
ACTION_LIST_QUERIES = 10


def test_issued_sub_group_and_report_papers_keep_their_words_until_the_next_version(
    member_client,
):
    call_command("load_demo", "--no-users")
    july = Meeting.objects.get(pk=1)
    update_paper = Paper.objects.get(meeting=july, letter="G")
    report_paper = Paper.objects.get(meeting=july, letter="C")
    old_update = update_paper.subgroup_update.title
    old_report = report_paper.annual_report.title
    SubGroupUpdate.objects.filter(pk=update_paper.subgroup_update_id).update(
        title="Renamed after issue: update"
    )
    AnnualReport.objects.filter(pk=report_paper.annual_report_id).update(
        title="Renamed after issue: report"
    )

    for paper, old, new in (
        (update_paper, old_update, "Renamed after issue: update"),
        (report_paper, old_report, "Renamed after issue: report"),
    ):
        page = shows_as_issued(member_client, paper, old, not_later=new)
        assert "as issued in version 1 of the meeting pack" in page

    v2 = services.issue_pack(july)
    assert v2.number == 2
    assert v2.changes == [
        f"Paper C – {report_paper.title}: replaced with a new version.",
        f"Paper G – {update_paper.title}: replaced with a new version.",
    ]
    page, pdf = page_and_pdf(member_client, update_paper)
    assert "Renamed after issue: update" in page and "Renamed after issue: update" in pdf
    assert "as issued in version 2" in page and NEWER not in page


@pytest.fixture
def minutes_paper(coordinator):
    """October's pack carries July's minutes, with an action due in the spring."""
    today = timezone.localdate()
    july = MeetingFactory(date=today - datetime.timedelta(days=10), status=Meeting.Status.HELD)
    item = AgendaItemFactory(meeting=july, title="Bid appraisal")
    minutes = services.minutes_for(july)
    services.save_minutes(
        minutes, version=minutes.version, entries={item: ("Discussed.", "RESOLVED to bid.")}
    )
    services.add_action(
        july,
        description="Write to the Ssky Project",
        owner_people=[PersonFactory()],
        target_date=today + datetime.timedelta(days=90),
        item=item,
    )
    services.circulate_minutes(minutes, by=coordinator)
    october = MeetingFactory(
        date=today + datetime.timedelta(days=50),
        status=Meeting.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    minutes_item = AgendaItemFactory(meeting=october, title="Minutes", kind="minutes")
    paper = PaperFactory(meeting=october, letter="A", title="Minutes of July", minutes_of=july)
    minutes_item.papers.add(paper)
    return october, paper, minutes


def test_a_minutes_paper_says_the_same_a_year_later(minutes_paper, member_client, member):
    """It said "overdue" as of today, so its fingerprint moved with the date and the next pack
    reported it replaced."""
    october, paper, _minutes = minutes_paper
    v1 = services.issue_pack(october)
    before = gather_pack(october).papers[0]
    assert "Write to the Ssky Project" in before.html and "overdue" not in before.html

    with time_machine.travel(timezone.now() + datetime.timedelta(days=365)):
        later = gather_pack(october).papers[0]
        assert later.fingerprint == before.fingerprint
        assert later.content == before.content
        assert services.issue_pack(october).pk == v1.pk
        member_client.force_login(member)  # a year on, the old session has expired
        page, pdf = page_and_pdf(member_client, paper)
    assert "overdue" not in page and "overdue" not in pdf
    assert NEWER not in page
    assert PackVersion.objects.filter(meeting=october).count() == 1


def test_changed_minutes_after_issue_show_as_issued_and_reach_the_next_pack(
    minutes_paper, member_client
):
    october, paper, minutes = minutes_paper
    services.issue_pack(october)
    entry = minutes.entries.get()
    entry.decisions = "RESOLVED to bid again."
    entry.save()

    shows_as_issued(member_client, paper, "RESOLVED to bid.", not_later="RESOLVED to bid again.")

    v2 = services.issue_pack(october)
    assert v2.changes == ["Paper A – Minutes of July: replaced with a new version."]
    page, pdf = page_and_pdf(member_client, paper)
    assert "RESOLVED to bid again." in page and "RESOLVED to bid again." in pdf


def test_a_template_change_changes_the_render_key_but_not_the_content(settings, tmp_path):
    """The key used to carry a version number bumped by hand: a template change went unseen."""
    from wkp.pdf import print_template_hash

    meeting = MeetingFactory()
    paper = PaperFactory(meeting=meeting, letter="A", body_html="<p>Words</p>")
    templates = tmp_path / "templates"
    shutil.copytree(django_settings.BASE_DIR / "templates", templates)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]
    print_template_hash.cache_clear()
    try:
        before = pack_entry(paper, meeting)
        with open(templates / "meetings" / "pdf" / "paper.html", "a") as handle:
            handle.write("{# a change to the printed paper #}\n")
        assert pack_entry(paper, meeting).fingerprint == before.fingerprint  # cached per process
        print_template_hash.cache_clear()
        after = pack_entry(paper, meeting)
    finally:
        print_template_hash.cache_clear()
    assert after.fingerprint != before.fingerprint
    assert after.content == before.content


def test_a_change_to_a_template_filter_changes_the_print_hash(tmp_path):
    """The print shows what the filters write ("10.50am", list numbers): a change to one alone
    left papers typeset before it in the render cache."""
    from wkp.pdf import print_template_hash

    code = tmp_path / "code"
    shutil.copytree(
        django_settings.BASE_DIR / "wkp" / "templatetags", code / "wkp" / "templatetags"
    )
    folders = (str(django_settings.BASE_DIR / "templates"),)
    try:
        before = print_template_hash(folders, str(code))
        with open(code / "wkp" / "templatetags" / "wkp_format.py", "a") as handle:
            handle.write("# a change to how times print\n")
        print_template_hash.cache_clear()
        after = print_template_hash(folders, str(code))
    finally:
        print_template_hash.cache_clear()
    assert after != before


# ---- Two workers issuing at once (real threads, real PostgreSQL row locks)


def _published_meeting():
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    item = AgendaItemFactory(meeting=meeting, title="Reports")
    for letter in "AB":
        item.papers.add(
            PaperFactory(meeting=meeting, letter=letter, body_html=f"<p>Paper {letter}</p>")
        )
    return meeting


def _files_of(meeting):
    root = django_settings.MEDIA_ROOT / "packs" / str(meeting.pk)
    return sorted(str(p.relative_to(django_settings.MEDIA_ROOT)) for p in root.rglob("*.*"))


def _referenced_files(meeting):
    names = set()
    for version in PackVersion.objects.filter(meeting=meeting):
        names.add(version.file.name)
        if version.supplement:
            names.add(version.supplement.name)
        for state in version.papers.values():
            names.update(state[key] for key in ("html", "pdf") if state.get(key))
    return sorted(names)


def _in_thread(target, results, errors):
    def run():
        try:
            results.append(target())
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_workers_issuing_the_same_pack_at_once_issue_it_once_and_leave_no_file_behind():
    """Both used to compute version 1: one failed on the unique number and left its file."""
    meeting = _published_meeting()
    start = threading.Barrier(2)
    results, errors = [], []

    def work():
        start.wait()
        return services.issue_pack(Meeting.objects.get(pk=meeting.pk)).number

    threads = [_in_thread(work, results, errors) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [1, 1]
    assert PackVersion.objects.filter(meeting=meeting).count() == 1
    assert _files_of(meeting) == _referenced_files(meeting)


def _waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def _wait_for(condition, what, limit=600):
    """Poll a real condition (not a timing assertion): fail, naming it, if it never holds."""
    for _ in range(limit * 10):
        if condition():
            return
        threading.Event().wait(0.1)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_workers_racing_with_different_content_issue_versions_n_and_n_plus_one():
    """Worker A builds version 1 from the papers as they were; a paper changes; worker B builds
    from the new words. Both reach the lock together: A issues 1, B finds it stale, builds
    again against it and issues 2, which reports the change. No orphan file."""
    meeting = _published_meeting()
    paper_b = Paper.objects.get(meeting=meeting, letter="B")
    release = threading.Event()
    results, errors = [], []

    def hold_the_lock():  # a third party holding the meeting row, so both workers queue
        from django.db import transaction

        with transaction.atomic():
            Meeting.objects.select_for_update().get(pk=meeting.pk)
            release.wait(600)
        return "held"

    def issue():
        return services.issue_pack(Meeting.objects.get(pk=meeting.pk)).number

    holder = _in_thread(hold_the_lock, [], errors)
    holder.start()
    _wait_for(lambda: Meeting.objects.filter(pk=meeting.pk).exists(), "the meeting exists")
    worker_a = _in_thread(issue, results, errors)
    worker_a.start()
    _wait_for(lambda: _waiting_on_locks() == 1, "worker A waits for the lock")
    Paper.objects.filter(pk=paper_b.pk).update(body_html="<p>Paper B, revised</p>")
    worker_b = _in_thread(issue, results, errors)
    worker_b.start()
    _wait_for(lambda: _waiting_on_locks() == 2, "worker B waits for the lock too")
    release.set()
    for thread in (holder, worker_a, worker_b):
        thread.join()

    assert errors == []
    assert sorted(results) == [1, 2]
    v1, v2 = PackVersion.objects.filter(meeting=meeting).order_by("number")
    assert v2.changes == [f"Paper B – {paper_b.title}: replaced with a new version."]
    assert v2.supplement
    assert _files_of(meeting) == _referenced_files(meeting)


# ---- Query counts of the pages this touches (the same at two sizes)


@pytest.mark.parametrize("size", [1, 6])
def test_an_issued_papers_page_takes_a_fixed_number_of_queries(
    size, member_client, django_assert_num_queries
):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    paper = PaperFactory(meeting=meeting, letter="A", body_html="<p>Typed words</p>")
    for _ in range(size):
        AgendaItemFactory(meeting=meeting).papers.add(paper)
        paper.attachments.create(title="Annex", file_name="annex.pdf")
    services.issue_pack(meeting)
    with django_assert_num_queries(PAPER_PAGE_QUERIES):
        page = member_client.get(paper.get_absolute_url())
    assert "as issued in version 1" in page.text


@pytest.mark.parametrize("size", [1, 6])
def test_the_action_list_takes_a_fixed_number_of_queries(
    size, member_client, coordinator, django_assert_num_queries
):
    july = MeetingFactory(status=Meeting.Status.HELD)
    for number in range(size):
        services.add_action(
            july, description=f"Action {number}", owner_people=[PersonFactory(), PersonFactory()]
        )
    services.circulate_minutes(services.minutes_for(july), by=coordinator)
    with django_assert_num_queries(ACTION_LIST_QUERIES):
        page = member_client.get(reverse("meetings:action_list"))
    assert page.text.count("Action ") >= size


@pytest.mark.storage
def test_typed_and_uploaded_papers_changed_after_issue_keep_their_issued_pdf(member_client):
    """A change that has not been issued yet (the build is queued, or failed) never shows
    through the issued paper's page or PDF."""
    from django.core.files.base import ContentFile

    from tests.security.world import tiny_pdf

    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, published_at=timezone.now())
    item = AgendaItemFactory(meeting=meeting)
    typed = PaperFactory(meeting=meeting, letter="A", body_html="<p>Typed as issued</p>")
    upload = PaperFactory(meeting=meeting, letter="B", title="Uploaded", file_kind="pdf")
    upload.file.save("paper.pdf", ContentFile(tiny_pdf("Uploaded as issued")))
    item.papers.add(typed, upload)
    services.issue_pack(meeting)

    Paper.objects.filter(pk=typed.pk).update(body_html="<p>Typed later</p>")
    upload.file.save("paper.pdf", ContentFile(tiny_pdf("Uploaded later")))
    upload.file_sha256 = "changed"
    upload.save()

    shows_as_issued(member_client, typed, "Typed as issued", not_later="Typed later")
    page, pdf = page_and_pdf(member_client, upload)
    assert "Uploaded as issued" in pdf and "Uploaded later" not in pdf
    assert NEWER in page
