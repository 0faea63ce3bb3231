import pytest
from django.core.management import call_command


@pytest.fixture
def seed_ledger(db):
    """The demo partners, the July 2006 meeting (the Ssky allocation links to its agenda item)
    and the seed's ledger: fixtures 00, 10 and 20, in load_demo's order."""
    call_command(
        "loaddata",
        "fixtures/00_partners.json",
        "fixtures/10_meetings.json",
        "fixtures/20_finance.json",
        verbosity=0,
    )
