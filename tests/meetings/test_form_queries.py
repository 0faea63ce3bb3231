"""Exact query counts of the co-ordinators' meeting forms and the minutes pages (issue 18), the
same for 10 agenda items (papers, minutes, attendees, declarations, actions, people) as for 200.

Counts include the session, the user, the co-ordinator's second-factor device and the two
permission reads; tests/pagequeries.py builds the data. The forward plan is here at two sizes
(tests/meetings/test_page_queries.py counts it at one).
"""

import pytest

from tests.pagequeries import SIZES, measure_pages

pytestmark = pytest.mark.django_db

C = "coordinator"
MEETING = {"pk": "published_meeting"}
DRAFT = {"pk": "draft_meeting"}

PAGES = {
    "meetings:meeting_create": (C, {}, 16),
    "meetings:venue_create": (C, {}, 5),
    "meetings:meeting_edit": (C, MEETING, 9),
    "meetings:item_create": (C, DRAFT, 9),
    # Failed before meetings/forms.py fetched meetings and reports with their bodies (N+1).
    "meetings:paper_create": (C, DRAFT, 13),
    "meetings:paper_edit": (C, {"pk": "paper"}, 14),
    "meetings:item_edit": (C, {"pk": "published_item"}, 11),
    "meetings:attachment_create": (C, {"pk": "paper"}, 7),
    "meetings:forward_plan": ("member", {}, 5),
    "meetings:forward_plan_create": (C, {}, 9),
    "meetings:forward_plan_edit": (C, {"pk": "forward_plan_entry"}, 10),
    "meetings:action_create": (C, MEETING, 10),
    "meetings:action_edit": (C, {"pk": "action"}, 12),
    "meetings:minute_amend": (C, {"pk": "minute"}, 7),
    "meetings:minutes_detail": (C, MEETING, 21),
    # Failed before the attendance and declarations formsets shared their lists (three people
    # queries a row; wkp.forms.SharedChoicesFormSet).
    "meetings:minutes_edit": (C, MEETING, 20),
}


@pytest.mark.parametrize("size", SIZES)
def test_meeting_form_and_minutes_query_counts_are_exact(django_assert_num_queries, size):
    assert measure_pages(PAGES, size, django_assert_num_queries) == {}


def test_minutes_form_rows_show_their_own_choices_from_the_shared_lists():
    """The attendance and declaration rows share one fetched list per field; each row still
    shows its own person, organisation and agenda item as chosen."""
    import re

    from django.urls import reverse

    from meetings.models import Attendance, Declaration
    from tests.pagequeries import build, client_for

    ids = build(3)
    page = client_for(C).get(reverse("meetings:minutes_edit", args=[ids["published_meeting"]]))
    html = page.content.decode()

    def chosen(field):
        select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S).group(1)
        return re.findall(r'<option value="(\d+)" selected', select)

    meeting = ids["published_meeting"]
    rows = Attendance.objects.filter(meeting=meeting)  # in the formset's order
    assert rows.count() == 3
    for n, row in enumerate(rows):
        assert chosen(f"attendance-{n}-person") == [str(row.person_id)]
        assert chosen(f"attendance-{n}-organisation") == [str(row.organisation_id)]
        assert chosen(f"attendance-{n}-substitute_for") == []
    for n, row in enumerate(Declaration.objects.filter(meeting=meeting)):
        assert chosen(f"declarations-{n}-item") == [str(row.item_id)]
        assert chosen(f"declarations-{n}-person") == [str(row.person_id)]
    assert chosen("attendance-3-person") == []  # the blank rows choose no one
