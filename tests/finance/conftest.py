from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture
def seed_ledger(db):
    """The demo data, as load_demo loads it: every fixtures/*.json in name order, in one call
    (other apps' fixtures refer to each other). Finance's part is fixtures/20_finance.json; the
    Ssky allocation refers to the July 2006 meeting and agenda item in 10_meetings.json."""
    fixtures = sorted(Path(settings.BASE_DIR, "fixtures").glob("*.json"))
    call_command("loaddata", *fixtures, verbosity=0)
