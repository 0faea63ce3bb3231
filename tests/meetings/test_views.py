import datetime
import io

import lxml.html
import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import AgendaItem, Meeting, Minutes, Paper
from subgroups.models import Body
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_bytes(pages=2, text="Hello"):
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_member_sees_published_agenda_but_not_a_drafts(member_client):
    published = MeetingFactory(status=Meeting.Status.PUBLISHED)
    AgendaItemFactory(meeting=published, title="Minutes/Matters Arising")
    draft = MeetingFactory(date=datetime.date(2006, 10, 20))
    AgendaItemFactory(meeting=draft, title="Secret draft item")
    PaperFactory(meeting=draft, title="Draft paper", letter="A")

    assert "Minutes/Matters Arising" in member_client.get(published.get_absolute_url()).text
    page = member_client.get(draft.get_absolute_url()).text
    assert "Secret draft item" not in page
    assert "has not been published yet" in page
    paper = Paper.objects.get(title="Draft paper")
    assert member_client.get(paper.get_absolute_url()).status_code == 404
    assert "Draft paper" not in member_client.get(reverse("meetings:paper_list")).text


def test_coordinator_builds_an_agenda_through_the_editor(coordinator_client):
    meeting = MeetingFactory()
    url = reverse("meetings:item_create", args=[meeting.pk])
    response = coordinator_client.post(
        url, {"version": meeting.version, "title": "Minutes/Matters Arising", "kind": "standing"}
    )
    assert response.status_code == 302
    top = AgendaItem.objects.get()
    coordinator_client.post(
        url,
        {"version": meeting.version + 1, "title": "AIF", "kind": "discussion", "parent": top.pk},
    )
    assert AgendaItem.objects.get(title="AIF").parent == top

    stale = coordinator_client.post(
        url,
        {"version": meeting.version, "title": "From a stale page", "kind": "report"},
        follow=True,
    )
    assert "Someone else changed this agenda" in stale.text
    assert not AgendaItem.objects.filter(title="From a stale page").exists()


def test_move_buttons_work_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    first = AgendaItemFactory(meeting=meeting, title="First", position=0)
    second = AgendaItemFactory(meeting=meeting, title="Second", position=1)
    response = coordinator_client.post(
        reverse("meetings:item_action", args=[second.pk, "up"]), {"version": meeting.version}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.position, first.position) == (0, 1)


def test_reorder_endpoint_takes_json_and_refuses_stale_versions(coordinator_client):
    meeting = MeetingFactory()
    a = AgendaItemFactory(meeting=meeting, title="a", position=0)
    b = AgendaItemFactory(meeting=meeting, title="b", position=1)
    url = reverse("meetings:agenda_reorder", args=[meeting.pk])
    ok = coordinator_client.post(
        url,
        {"version": meeting.version, "tree": [[b.pk, None], [a.pk, b.pk]]},
        content_type="application/json",
    )
    assert ok.json() == {"ok": True, "version": meeting.version + 1}
    a.refresh_from_db()
    assert a.parent_id == b.pk
    stale = coordinator_client.post(
        url,
        {"version": meeting.version, "tree": [[a.pk, None], [b.pk, None]]},
        content_type="application/json",
    )
    assert stale.status_code == 409
    bad = coordinator_client.post(url, "not json", content_type="application/json")
    assert bad.status_code == 400


UNREADABLE_ORDER = {
    "ok": False,
    "message": "The new order could not be read: please reload the page.",
}


@pytest.mark.parametrize(
    "body",
    [
        '{{"version": 1e999, "tree": [[{a}, null]]}}',
        '{{"version": {version}, "tree": [[1e999, null]]}}',
        '{{"version": {version}, "tree": [[{a}, 1e999]]}}',
        '{{"version": {version}, "tree": [[{a}, -1e999]]}}',
        '{{"version": true, "tree": [[{a}, null]]}}',
        '{{"version": "{version}", "tree": [["{a}", null]]}}',
        '{{"version": {version}, "tree": [[{a}.5, null]]}}',
        '{{"version": {version}, "tree": [[{a}]]}}',
        '{{"version": {version}, "tree": {{"ab": 1}}}}',
        '{{"version": {version}, "tree": [[1{nines}, null]]}}',
        "[" * 100_000,
        "not json",
    ],
)
def test_reorder_endpoint_refuses_what_is_not_an_order_with_a_message(coordinator_client, body):
    """JSON reads 1e999 as infinity, which int() cannot take (OverflowError, a 500), a 5,000-digit
    number is more than int() reads, and deep nesting more than json does."""
    meeting = MeetingFactory()
    a = AgendaItemFactory(meeting=meeting, title="a", position=0)
    version = meeting.version
    body = body.format(version=version, a=a.pk, nines="9" * 5000)

    response = coordinator_client.post(
        reverse("meetings:agenda_reorder", args=[meeting.pk]),
        body,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == UNREADABLE_ORDER
    meeting.refresh_from_db()
    assert meeting.version == version


def test_meeting_form_rejects_an_end_before_the_start_and_bad_dates(coordinator_client):
    meeting = MeetingFactory()
    data = {
        "body": meeting.body_id,
        "date": "2006-13-45",
        "start_time": "10:00",
        "end_time": "09:00",
        "number_from": 1,
        "sub_numbering": "bullets",
    }
    response = coordinator_client.post(reverse("meetings:meeting_create"), data)
    assert response.status_code == 200
    assert "Enter a real date" in response.text
    assert "The meeting must end after it starts." in response.text
    assert Meeting.objects.count() == 1


def meeting_post(meeting, **extra):
    data = {
        "body": meeting.body_id,
        "date": "2006-10-20",
        "start_time": "23:00",
        "number_from": 1,
        "sub_numbering": "bullets",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "9999-12-31"),
        ("date", "0001-01-02"),
        ("date", "1899-12-31"),
        ("date", "2200-01-01"),
        ("replaces_date", "9999-12-31"),
    ],
)
def test_meeting_form_refuses_a_date_outside_1900_to_2199(coordinator_client, field, value):
    """Calendars and paper deadlines do arithmetic on the date that overflows near the years 1
    and 9999; no meeting needs a date outside these two centuries."""
    meeting = MeetingFactory()

    response = coordinator_client.post(
        reverse("meetings:meeting_create"), meeting_post(meeting, **{field: value})
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        field: ["Enter a date from 1 January 1900 to 31 December 2199."]
    }
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("value", ["1900-01-01", "2199-12-31"])
def test_meeting_form_accepts_the_first_and_last_dates_of_the_range(coordinator_client, value):
    meeting = MeetingFactory()

    response = coordinator_client.post(
        reverse("meetings:meeting_create"), meeting_post(meeting, date=value, replaces_date=value)
    )

    assert response.status_code == 302
    assert Meeting.objects.filter(date=value, replaces_date=value).count() == 1


def test_new_meeting_copies_the_previous_standing_items(coordinator_client):
    """Minutes and matters arising among them: left out, the outstanding actions went too."""
    previous = MeetingFactory()
    AgendaItemFactory(meeting=previous, title="Minutes/Matters Arising", kind="minutes")
    AgendaItemFactory(meeting=previous, title="Partners' updates", kind="standing")
    AgendaItemFactory(meeting=previous, title="A one-off report", kind="report")
    AgendaItemFactory(meeting=previous, title="Any other business", kind="aob")
    response = coordinator_client.post(
        reverse("meetings:meeting_create"),
        {
            "body": previous.body_id,
            "date": "2006-10-20",
            "start_time": "10:00",
            "number_from": 1,
            "sub_numbering": "bullets",
            "copy_standing": "1",
        },
    )
    assert response.status_code == 302
    new = Meeting.objects.get(date=datetime.date(2006, 10, 20))
    assert list(new.items.values_list("title", "kind")) == [
        ("Minutes/Matters Arising", "minutes"),
        ("Partners' updates", "standing"),
        ("Any other business", "aob"),
    ]


def paper_post(meeting, **extra):
    data = {"title": "Towards 2010", "status": "available", "body_html": ""}
    data.update(extra)
    return data


@pytest.mark.storage
def test_uploaded_pdf_is_checked_by_content_and_downloaded_through_a_permission_check(
    coordinator_client, member
):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    url = reverse("meetings:paper_create", args=[meeting.pk])
    upload = SimpleUploadedFile("towards-2010.pdf", pdf_bytes(3), content_type="application/pdf")
    response = coordinator_client.post(url, paper_post(meeting, upload=upload))
    assert response.status_code == 302, response.text
    paper = Paper.objects.get()
    assert (paper.file_kind, paper.page_count, paper.file_name) == ("pdf", 3, "towards-2010.pdf")
    assert "towards" not in paper.file.name

    member_client = Client()
    member_client.force_login(member)
    download = member_client.get(reverse("meetings:paper_file", args=[paper.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>", "neither a PDF nor a Word"),
        ("empty.pdf", b"", "file is empty"),
        ("broken.pdf", b"%PDF-1.7\n garbage that is not a pdf", "damaged"),
        ("paper.exe", b"MZ\x90\x00\x03", "neither a PDF nor a Word"),
        ("paper.pdf.docx", b"%PDF-1.4\n", "name does not end in .pdf"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(coordinator_client, name, content, message):
    meeting = MeetingFactory()
    upload = SimpleUploadedFile(name, content)
    response = coordinator_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]), paper_post(meeting, upload=upload)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Paper.objects.exists()


def test_oversized_upload_is_refused(coordinator_client, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    meeting = MeetingFactory()
    upload = SimpleUploadedFile("big.pdf", pdf_bytes(40))
    response = coordinator_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]), paper_post(meeting, upload=upload)
    )
    assert "the limit is" in response.text
    assert not Paper.objects.exists()


def test_paper_content_is_sanitised_on_save(coordinator_client):
    meeting = MeetingFactory()
    coordinator_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]),
        paper_post(meeting, body_html='<p onclick="x()">Hi<script>alert(1)</script></p>'),
    )
    assert Paper.objects.get().body_html == "<p>Hi</p>"


def test_concurrent_paper_edit_is_refused(coordinator_client):
    paper = PaperFactory(title="Original")
    url = reverse("meetings:paper_edit", args=[paper.pk])
    first = coordinator_client.post(url, paper_post(paper.meeting, title="First", version=1))
    assert first.status_code == 302
    second = coordinator_client.post(url, paper_post(paper.meeting, title="Second", version=1))
    assert "Someone else changed this paper" in second.text
    paper.refresh_from_db()
    assert paper.title == "First"


def test_meeting_ics_parses_back(member_client):
    meeting = MeetingFactory(
        status=Meeting.Status.PUBLISHED, replaces_date=datetime.date(2006, 7, 7)
    )
    response = member_client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{meeting.pk}@wkp-intranet"
    assert str(event["summary"]) == "West Kent Partnership Meeting"
    assert event.decoded("dtstart").hour == 10
    assert "Kings Hill Conference Centre" in str(event["location"])
    assert "This replaces 7 July 2006." in str(event["description"])


def test_calendar_feed_needs_the_users_secret_token(client, member_client, member):
    MeetingFactory(date=datetime.date.today() + datetime.timedelta(days=30))
    member_client.post(reverse("meetings:calendar_subscribe"))
    token = member.calendar_token.token
    member_client.logout()
    response = client.get(reverse("meetings:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 1
    assert client.get(reverse("meetings:calendar_feed", args=["wrong"])).status_code == 404
    member.is_active = False
    member.save()
    assert client.get(reverse("meetings:calendar_feed", args=[token])).status_code == 404


# A body's short name (else its initials) names every download and stored pack. A row may hold
# what the form now refuses (saved before it checked); its downloads still answer, with a name a
# browser reads: quoted when it is ASCII, RFC 6266's filename* when not.
@pytest.mark.parametrize(
    ("body", "stem", "disposition"),
    [
        pytest.param(
            {"short_name": "A\r\nB"},
            "A B-2006-07-14",
            'attachment; filename="A B-2006-07-14{}"',
            id="line-break",
        ),
        pytest.param(
            {"short_name": 'W"K/P\\'},
            "W K P-2006-07-14",
            'attachment; filename="W K P-2006-07-14{}"',
            id="quote-and-slashes",
        ),
        pytest.param(
            {"name": "Bwrdd Iechyd Caerdydd a’r Fro — ŵ"},
            "BICAFŴ-2006-07-14",
            "attachment; filename*=utf-8''BICAF%C5%B4-2006-07-14{}",
            id="welsh-initials",
        ),
        pytest.param(
            {"short_name": "Caerdydd a’r Fro — ŵ"},
            "Caerdydd a’r Fro — ŵ-2006-07-14",
            "attachment; filename*=utf-8''"
            "Caerdydd%20a%E2%80%99r%20Fro%20%E2%80%94%20%C5%B5-2006-07-14{}",
            id="not-latin-1",
        ),
    ],
)
def test_downloads_of_a_body_with_an_odd_short_name_answer_with_a_name_browsers_read(
    member_client, body, stem, disposition
):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    Body.objects.filter(pk=meeting.body_id).update(**body)
    Minutes.objects.create(meeting=meeting, status=Minutes.Status.CIRCULATED)
    paper = PaperFactory(meeting=meeting, letter="A", body_html="<p>Report</p>")

    version = services.issue_pack(Meeting.objects.get(pk=meeting.pk), notify=False)

    assert version.file.name == f"packs/{meeting.pk}/{stem}-pack-v1.pdf"
    downloads = {
        ".ics": reverse("meetings:meeting_ics", args=[meeting.pk]),
        "-minutes.pdf": reverse("meetings:minutes_pdf", args=[meeting.pk]),
        "-paper-A.pdf": reverse("meetings:paper_pdf", args=[paper.pk]),
        "-pack-v1.pdf": reverse("meetings:pack_download", args=[meeting.pk]),
    }
    answers = {
        suffix: (response.status_code, response["Content-Disposition"])
        for suffix, response in ((s, member_client.get(url)) for s, url in downloads.items())
    }
    assert answers == {suffix: (200, disposition.format(suffix)) for suffix in downloads}


# The meeting page's and the agenda editor's exact query counts at 10 and 200 items are in
# test_page_queries.py.


SEED_AGENDA = [
    "1. Minutes/Matters Arising",
    "– AIF",
    "– Bid appraisal – Ssky Project",
    "– Consultation response – Kent Prospects",
    "2. Presentation – ‘Towards 2010’ – Nick Chard (Paper A)",
    "3. Co-ordinator's report (Paper B)",
    "– Financial Report",
    "– Conference",
    "– Bid Appraisal",
    "4. Annual Community plan and CDRP updates",
    "– Tunbridge Wells Borough Council CDRP (Paper C)",
    "– Tonbridge & Malling Borough Council CDRP (Paper D)",
    "– Sevenoaks District Council Community Plan and CDRP (Papers E & F)",
    "5. Presentation – Kent Agreement and new structures Kent wide – Richard Spoerry",
    "6. Sub group updates",
    "– Business Development (Paper G)",
    "– Learning and Skills (Paper H to follow)",
    "– Adult",
    "– 14-19",
    "– Housing (Paper I)",
    "– Transport (Paper J)",
    "– Health (Paper K – separate Choosing Health attachment)",
    "7. Any other business",
    "8. Dates of next meetings",
    "Wednesday 27 September 2006 – 9.30am start, The River Centre, Tonbridge – conference",
    "Friday 20 October 2006 – 10am, Kings Hill Conference Centre",
    "Thursday 18 January 2007",
    "Thursday 26 April 2007",
    "Thursday 19 July 2007",
    "Thursday 25 October 2007 (note this replaces 18 Oct)",
]


def agenda_lines(html):
    import re
    from html import unescape

    block = html[
        html.index('<h2 id="agenda-heading"') : html.index(
            '<section aria-labelledby="papers-heading"'
        )
    ]
    block = re.sub(r"\s+", " ", block)
    # The allocations approved at an item are listed under it (test_allocations.py).
    block = re.sub(r'<div class="allocations">.*?</div>', "", block)
    block = re.sub(r"</(li|h2|p)>|<ol[^>]*>|<ul[^>]*>|<li[^>]*>", "\n", block)
    text = unescape(re.sub(r"<[^>]+>", "", block))
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.split("\n")]
    lines = [re.sub(r"\( ", "(", line).replace(" )", ")") for line in lines]
    return [line for line in lines if line and line != "Agenda"]


def test_demo_meeting_agenda_reads_like_the_seed(member_client):
    call_command("load_demo", "--no-users")
    response = member_client.get(reverse("meetings:meeting_detail", args=[1]))
    assert agenda_lines(response.text) == SEED_AGENDA


def test_item_times_read_like_the_meeting_time_on_pages_and_in_the_pack(coordinator_client):
    """The seed writes times "10.30am"; an item's time printed as "10:50" beside it."""
    from meetings.pack import build_pack, gather_pack
    from tests.pdftext import pdf_text

    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, start_time=datetime.time(10, 30))
    AgendaItemFactory(meeting=meeting, title="Coffee", scheduled_time=datetime.time(10, 50))
    AgendaItemFactory(meeting=meeting, title="Lunch", scheduled_time=datetime.time(12, 0))

    pages = [
        coordinator_client.get(reverse(name, args=[meeting.pk])).text
        for name in ("meetings:meeting_detail", "meetings:agenda_edit")
    ]
    pack = " ".join(pdf_text(build_pack(gather_pack(meeting)).pdf).split())

    for text in [" ".join(lxml.html.fromstring(page).text_content().split()) for page in pages]:
        assert "10.30am" in text
        assert "10.50am Coffee" in text and "12 noon Lunch" in text
        assert "10:50" not in text and "12:00" not in text
    assert "10.30am, " in pack and "10.50am Coffee" in pack and "12 noon Lunch" in pack
    assert "10:50" not in pack
