"""Shared parts of the browser journeys."""

import re

import pytest

from meetings.models import Body, Meeting


@pytest.fixture
def make_july_meeting():
    """Makes the West Kent Partnership's board and its meeting of 14 July 2006 at 10:00, with
    the status given, published a week before; read back, so that its dates are dates (not the
    strings given)."""

    def make(status):
        board = Body.objects.create(name="West Kent Partnership", kind="board")
        meeting = Meeting.objects.create(
            body=board,
            date="2006-07-14",
            start_time="10:00",
            status=status,
            published_at="2006-07-07T09:00:00Z",
        )
        meeting.refresh_from_db()
        return meeting

    return make


def item_label(title):
    """An agenda item's label in the forms that list items: numbered as on the agenda
    ("2.1 Transport", "– Transport" under bullets) and indented under its parent."""
    return re.compile(rf"^\s*[\d.–]+\s+{re.escape(title)}\s*$")
