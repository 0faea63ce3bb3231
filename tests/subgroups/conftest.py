import json

import pytest
from django.conf import settings
from django.core.management import call_command

FIXTURES = settings.BASE_DIR / "fixtures"


@pytest.fixture
def seed(db, tmp_path):
    """The demo partners and the sub-groups fixture (Papers C, D, F, G, I, J of July 2006).

    The board meeting the papers report to comes from fixtures/10_meetings.json; while that file
    is absent the meeting references are loaded as empty.
    """
    call_command("loaddata", FIXTURES / "00_partners.json", verbosity=0)
    meetings = FIXTURES / "10_meetings.json"
    subgroups = FIXTURES / "30_subgroups.json"
    if meetings.exists():
        call_command("loaddata", meetings, verbosity=0)
    else:
        rows = json.loads(subgroups.read_text(encoding="utf-8"))
        for row in rows:
            if "meeting" in row["fields"]:
                row["fields"]["meeting"] = None
        subgroups = tmp_path / "30_subgroups.json"
        subgroups.write_text(json.dumps(rows), encoding="utf-8")
    call_command("loaddata", subgroups, verbosity=0)
