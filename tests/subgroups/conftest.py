import pytest
from django.conf import settings
from django.core.management import call_command

FIXTURES = settings.BASE_DIR / "fixtures"


@pytest.fixture
def seed(db):
    """The demo partners, the July 2006 meeting and the sub-groups fixture (Papers C, D, F, G,
    I, J), loaded in one call as load_demo does, since the meeting's papers point at them."""
    call_command(
        "loaddata",
        FIXTURES / "00_partners.json",
        FIXTURES / "10_meetings.json",
        FIXTURES / "30_subgroups.json",
        verbosity=0,
    )
