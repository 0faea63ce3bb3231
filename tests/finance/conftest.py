import pytest
from django.core.management import call_command


@pytest.fixture
def seed_ledger(db):
    """The demo partners and the seed's ledger (fixtures 00 and 20)."""
    call_command("loaddata", "fixtures/00_partners.json", "fixtures/20_finance.json", verbosity=0)
