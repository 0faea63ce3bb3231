import datetime

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.minutes import load_minutes
from meetings.models import Action, Attendance, Meeting, MinutesAmendment
from meetings.pack import gather_pack
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    PaperFactory,
    PersonFactory,
)
from tests.pdftext import page_texts
from tests.pdftext import pdf_text as full_text
from wkp.templatetags.wkp_format import uk_date

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def july():
    return MeetingFactory(date=datetime.date(2006, 7, 14), status=Meeting.Status.HELD)


@pytest.fixture
def october():
    return MeetingFactory(date=datetime.date(2006, 10, 20), status=Meeting.Status.PUBLISHED)


def test_actions_are_numbered_in_one_sequence_across_meetings(july, october):
    owner = PersonFactory()
    first = services.add_action(july, description="Circulate AIF", owner_people=[owner])
    second = services.add_action(july, description="Reply to Kent Prospects", owner_people=[owner])
    third = services.add_action(october, description="Report on Ssky", owner_people=[owner])
    assert [first.number, second.number, third.number] == [1, 2, 3]


def test_an_action_needs_an_owner_and_a_target_after_the_meeting(july):
    with pytest.raises(ValidationError, match="needs an owner"):
        services.add_action(july, description="Nobody's job")
    with pytest.raises(ValidationError, match="before the meeting"):
        services.add_action(
            july,
            description="Too early",
            owner_people=[PersonFactory()],
            target_date=datetime.date(2006, 7, 1),
        )
    assert not Action.objects.exists()


def test_overdue_means_open_and_past_its_target(july):
    action = services.add_action(
        july,
        description="Circulate AIF",
        owner_people=[PersonFactory()],
        target_date=datetime.date(2006, 9, 1),
    )
    assert action.is_overdue(datetime.date(2006, 9, 2))
    assert not action.is_overdue(datetime.date(2006, 9, 1))
    action.status = Action.Status.DONE
    assert not action.is_overdue(datetime.date(2006, 9, 2))


def test_open_actions_appear_under_the_next_meetings_matters_arising(
    july, october, member_client, coordinator
):
    AgendaItemFactory(meeting=october, title="Minutes/Matters Arising", kind="minutes")
    services.add_action(
        july, description="Circulate the AIF review", owner_people=[PersonFactory()]
    )
    done = services.add_action(july, description="Already done", owner_people=[PersonFactory()])
    done.status = Action.Status.DONE
    done.save()
    # Recorded in minutes not yet circulated: the co-ordinators' working draft.
    assert "Circulate the AIF review" not in member_client.get(october.get_absolute_url()).text
    services.circulate_minutes(services.minutes_for(july), by=coordinator)
    page = member_client.get(october.get_absolute_url()).text
    assert "Outstanding actions" in page
    assert "Circulate the AIF review" in page
    assert "Already done" not in page


def test_outstanding_actions_are_listed_once_when_minutes_and_matters_arising_are_two_items(
    july, october, member_client, coordinator
):
    AgendaItemFactory(meeting=october, title="Minutes", kind="minutes", position=1)
    AgendaItemFactory(meeting=october, title="Matters Arising", kind="minutes", position=2)
    services.add_action(
        july, description="Circulate the AIF review", owner_people=[PersonFactory()]
    )
    services.circulate_minutes(services.minutes_for(july), by=coordinator)
    page = member_client.get(october.get_absolute_url()).text
    assert page.count("Circulate the AIF review") == 1
    content = gather_pack(october)
    pack = render_to_string("meetings/pdf/pack.html", {"content": content, "meeting": october})
    assert pack.count("Circulate the AIF review") == 1


def minute_the_bid(meeting, note, decisions):
    """The meeting's minutes saved with one entry, on the Ssky bid appraisal item."""
    item = AgendaItemFactory(meeting=meeting, title="Bid appraisal – Ssky Project")
    minutes = services.minutes_for(meeting)
    services.save_minutes(minutes, version=minutes.version, entries={item: (note, decisions)})
    return minutes, item


def test_approving_locks_and_later_corrections_are_amendments(july, october, coordinator):
    minutes, item = minute_the_bid(
        july, "Discussed the bid.", "RESOLVED that the bid be supported."
    )
    services.approve_minutes(minutes, at_meeting=october, by=coordinator, today=TODAY)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.save_minutes(minutes, version=minutes.version, entries={item: ("x", "")})

    entry = minutes.entries.get()
    services.amend_minute(
        entry,
        note="Discussed the bid with the applicant.",
        decisions="RESOLVED that the bid be supported.",
        reason="Wording agreed at the October meeting",
        by=coordinator,
    )
    amendment = MinutesAmendment.objects.get()
    assert amendment.before.startswith("Discussed the bid.")
    assert load_minutes(july).rows[0].entry.note == "Discussed the bid with the applicant."
    with pytest.raises(ValidationError, match="Say why"):
        services.amend_minute(entry, note="", decisions="", reason=" ", by=coordinator)
    entry.refresh_from_db()
    unchanged = services.amend_minute(
        entry,
        note=entry.note,
        decisions=entry.decisions + "\n",
        reason="Read again",
        by=coordinator,
    )
    assert unchanged is None and MinutesAmendment.objects.count() == 1
    assert entry.history.count() == 2, "an amendment that changes nothing saves nothing"


def test_the_amendment_page_edits_the_note_as_rich_text_and_records_only_a_change(
    july, october, coordinator, coordinator_client
):
    minutes, _item = minute_the_bid(
        july, "<p>Discussed the <strong>bid</strong>.</p>", "RESOLVED that the bid be supported."
    )
    services.approve_minutes(minutes, at_meeting=october, by=coordinator, today=TODAY)
    entry = minutes.entries.get()
    url = reverse("meetings:minute_amend", args=[entry.pk])

    page = coordinator_client.get(url).text
    assert "prose-editor" in page, "the note is edited as rich text, as in the minutes form"
    unchanged = {
        "note": "<p>Discussed the <strong>bid</strong>.</p>",
        "decisions": "RESOLVED that the bid be supported.",
        "reason": "Checking the wording",
    }
    response = coordinator_client.post(url, unchanged, follow=True)
    assert "Nothing in the minute was changed, so nothing was amended." in response.text
    assert not MinutesAmendment.objects.exists()
    assert entry.history.count() == 1

    changed = {**unchanged, "note": "<p>Discussed the bid with the applicant.</p>"}
    response = coordinator_client.post(url, changed, follow=True)
    assert "The amendment is recorded." in response.text
    amendment = MinutesAmendment.objects.get()
    assert amendment.reason == "Checking the wording"
    # The minutes show what it read before as text, not as its markup.
    assert "Before, it read:" in response.text and "&lt;p&gt;" not in response.text
    assert "Discussed the <strong>bid</strong>." in response.text


def test_item_lists_follow_the_agenda_with_its_numbers(july, coordinator_client):
    """Sub-items come under their item, numbered as on the agenda, in every form that asks
    which item (actions, declarations, a paper's items): sorted by position alone, 3.1 came
    between 1 and 2."""
    Meeting.objects.filter(pk=july.pk).update(sub_numbering=Meeting.SubNumbering.DECIMAL)
    july.refresh_from_db()
    apologies = AgendaItemFactory(meeting=july, title="Apologies", position=0)
    minutes = AgendaItemFactory(meeting=july, title="Minutes", position=1)
    AgendaItemFactory(meeting=july, title="Precept", position=2)
    AgendaItemFactory(meeting=july, title="Option (a)", position=0, parent=apologies)
    AgendaItemFactory(meeting=july, title="Option (b)", position=1, parent=apologies)
    AgendaItemFactory(meeting=july, title="Matters arising", position=0, parent=minutes)
    expected = [
        "1. Apologies",
        "1.1 Option (a)",
        "1.2 Option (b)",
        "2. Minutes",
        "2.1 Matters arising",
        "3. Precept",
    ]
    paper = PaperFactory(meeting=july, letter="A")
    pages = {
        "action": (reverse("meetings:action_create", args=[july.pk]), "//select[@id='id_item']"),
        "declaration": (
            reverse("meetings:minutes_edit", args=[july.pk]),
            "(//select[contains(@name, '-0-item')])[1]",
        ),
        "paper": (reverse("meetings:paper_edit", args=[paper.pk]), "//*[@id='div_id_items']"),
    }
    for name, (url, where) in pages.items():
        document = lxml.html.document_fromstring(coordinator_client.get(url).text)
        found = document.xpath(f"{where}//label" if name == "paper" else f"{where}/option")
        labels = [" ".join(o.text_content().split()) for o in found if o.get("value") != ""]
        assert labels == expected, name


def test_minutes_of_a_meeting_that_has_not_happened_cannot_be_approved(july, october, coordinator):
    future = MeetingFactory(date=datetime.date(2027, 1, 18))
    later = MeetingFactory(date=datetime.date(2027, 4, 26))
    with pytest.raises(ValidationError, match="has not happened"):
        services.approve_minutes(
            services.minutes_for(future), at_meeting=later, by=coordinator, today=TODAY
        )
    with pytest.raises(ValidationError, match="later meeting"):
        services.approve_minutes(
            services.minutes_for(october), at_meeting=july, by=coordinator, today=TODAY
        )


def test_minutes_are_approved_at_a_later_meeting_of_the_same_body_that_took_place(
    july, october, coordinator, coordinator_client
):
    """Every body's later meetings were offered, cancelled ones and those still to come too."""
    lep = BodyFactory(name="Lancashire Enterprise Partnership")
    other_body = MeetingFactory(body=lep, date=datetime.date(2006, 9, 1))
    cancelled = MeetingFactory(date=datetime.date(2006, 9, 8), status=Meeting.Status.CANCELLED)
    to_come = MeetingFactory(date=timezone.localdate() + datetime.timedelta(days=30))
    minutes = services.minutes_for(july)
    services.circulate_minutes(minutes, by=coordinator)

    page = coordinator_client.get(reverse("meetings:minutes_detail", args=[july.pk])).text
    offered = lxml.html.fromstring(page).xpath("//select[@id='id_at_meeting']/option/@value")
    assert offered == ["", str(october.pk)]
    for meeting, message in (
        (other_body, "later meeting of West Kent Partnership"),
        (cancelled, "was cancelled"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.approve_minutes(minutes, at_meeting=meeting, by=coordinator, today=TODAY)
    assert to_come.pk not in offered


def test_draft_minutes_are_for_coordinators_only(july, member_client):
    services.minutes_for(july)
    url = reverse("meetings:minutes_detail", args=[july.pk])
    assert member_client.get(url).status_code == 404


def test_stale_minutes_form_is_refused(july):
    item = AgendaItemFactory(meeting=july)
    minutes = services.minutes_for(july)
    stale = minutes.version
    services.save_minutes(minutes, version=stale, entries={item: ("First", "")})
    with pytest.raises(services.ConcurrentEdit):
        services.save_minutes(minutes, version=stale, entries={item: ("Second", "")})
    assert minutes.entries.get().note == "First"


def test_declarations_of_interest_show_in_the_minutes_of_their_item(july):
    from meetings.models import Declaration

    item = AgendaItemFactory(meeting=july, title="Bid appraisal – Ssky Project")
    Declaration.objects.create(
        meeting=july, item=item, person=PersonFactory(name="Cllr Fleming"), interest="Trustee"
    )
    view = load_minutes(july)
    assert [d.interest for d in view.rows[0].declarations] == ["Trustee"]


def test_circulated_minutes_of_july_can_be_a_paper_in_octobers_pack(july, october, coordinator):
    from meetings.models import Paper
    from meetings.pack import build_pack, gather_pack

    minutes, _ = minute_the_bid(july, "", "RESOLVED that the bid be supported.")
    services.circulate_minutes(minutes, by=coordinator)
    minutes_item = AgendaItemFactory(
        meeting=october, title="Minutes/Matters Arising", kind="minutes"
    )
    paper = Paper.objects.create(
        meeting=october, letter="A", title="Minutes of 14 July 2006", minutes_of=july
    )
    minutes_item.papers.add(paper)

    built = build_pack(gather_pack(october))
    text = full_text(built.pdf)
    assert "RESOLVED that the bid be supported." in " ".join(text.split())


def test_a_numbered_list_in_a_minute_keeps_its_start_number_in_the_pdf(july, coordinator_client):
    minute_the_bid(
        july, '<p>Agreed:</p><ol start="3"><li>fund the bid</li><li>review it</li></ol>', ""
    )

    response = coordinator_client.get(reverse("meetings:minutes_pdf", args=[july.pk]))

    text = " ".join(full_text(response.content).split())
    assert "3. fund the bid 4. review it" in text
    assert "1. fund the bid" not in text


def test_the_minutes_pdf_keeps_each_action_and_each_items_heading_on_one_page(
    july, coordinator_client
):
    """A row of the action table split across two pages, or an item's heading and the table's
    caption left alone at the foot of a page, read badly on paper."""
    owner = PersonFactory(name="Cllr Fleming")
    filler = " ".join(["consult the partners on the draft and report back"] * 5)
    for i in range(8):
        item = AgendaItemFactory(meeting=july, title=f"Topic {i} heading")
        for j in range(3):
            services.add_action(
                july, item=item, owner_people=[owner], description=f"B{i}{j} {filler} E{i}{j}"
            )
    minute_the_bid(july, "Discussed.", "")

    response = coordinator_client.get(reverse("meetings:minutes_pdf", args=[july.pk]))

    pages = page_texts(response.content)
    assert len(pages) >= 3

    def page_of(word):
        return next(n for n, text in enumerate(pages) if word in text.split())

    assert len({page_of(f"B{i}0") for i in range(8)}) > 1  # the actions run over pages
    split = [
        (i, j) for i in range(8) for j in range(3) if page_of(f"B{i}{j}") != page_of(f"E{i}{j}")
    ]
    assert split == []
    heading_pages = [
        next(n for n, text in enumerate(pages) if f"Topic {i} heading" in text) for i in range(8)
    ]
    assert heading_pages == [page_of(f"B{i}0") for i in range(8)]


def test_the_minutes_pdf_names_the_body_in_its_footer_as_a_paper_does(july, coordinator_client):
    """The minutes downloaded printed only the date in their footer, a paper alone its body's."""
    minute_the_bid(july, "Discussed.", "")
    url = reverse("meetings:minutes_pdf", args=[july.pk])
    for name in ("Sevenoaks Community Safety Partnership", "Sevenoaks and Tonbridge CSP"):
        july.body.name = name
        july.body.save()
        (page,) = page_texts(coordinator_client.get(url).content)
        footer = f"{name}, {uk_date(july.date)}"
        assert [line for line in page.splitlines() if line.startswith(footer)] == [footer], page


def test_more_rows_keep_what_was_typed_and_save_nothing(july, coordinator_client):
    """Attendance showed three blank rows and declarations two: nine people took three saves.
    "Add 5 more people" sends the form back with five blank rows more, nothing lost or saved."""
    person = PersonFactory(name="Aidy Riggott")
    url = reverse("meetings:minutes_edit", args=[july.pk])
    document = lxml.html.document_fromstring(coordinator_client.get(url).text)
    (form,) = [f for f in document.forms if "attendance-TOTAL_FORMS" in f.fields]
    data = dict(form.form_values())
    assert data["attendance-TOTAL_FORMS"] == "3"
    data |= {"attendance-0-person": str(person.pk), "attendance-1-name": "Sarah Smith"}

    response = coordinator_client.post(url, {**data, "more_rows": "attendance"})

    assert response.status_code == 200
    assert "5 more rows added. Nothing is saved until you save." in response.text
    document = lxml.html.document_fromstring(response.text)
    (form,) = [f for f in document.forms if "attendance-TOTAL_FORMS" in f.fields]
    again = dict(form.form_values())
    assert again["attendance-TOTAL_FORMS"] == "8"
    assert again["declarations-TOTAL_FORMS"] == "2"
    assert (again["attendance-0-person"], again["attendance-1-name"]) == (
        str(person.pk),
        "Sarah Smith",
    )
    assert not Attendance.objects.exists()
    assert "This field is required" not in response.text, "the new rows are blank, not wrong"
    assert again["attendance-7-role"] == "attended"
    first_button = form.xpath(".//button[@type='submit']")[0]
    assert first_button.text_content() == "Save", "Enter in a field saves, not adds rows"

    response = coordinator_client.post(url, again, follow=True)
    assert "Minutes and attendance saved." in response.text
    assert Attendance.objects.filter(meeting=july).count() == 2

    for hostile in ("x", "-1", "999999"):
        for prefix in ("attendance", "declarations", "other"):
            response = coordinator_client.post(
                url, {**again, f"{prefix}-TOTAL_FORMS": hostile, "more_rows": prefix}
            )
            assert response.status_code == 200
