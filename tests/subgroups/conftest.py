import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture
def seed(db):
    """The demo data as load_demo loads it (every fixtures/*.json in one call, since the July
    2006 meeting's papers point at the sub-group records, the ledger and back)."""
    call_command("loaddata", *sorted((settings.BASE_DIR / "fixtures").glob("*.json")), verbosity=0)
