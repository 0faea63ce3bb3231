"""What the meetings app adds to the demo data once load_demo has loaded the fixtures."""

from .models import Meeting
from .services import issue_pack


def issue_demo_packs():
    """Published demo meetings come with their pack, as they would after publishing."""
    for meeting in Meeting.objects.filter(published_at__isnull=False, pack_versions=None):
        issue_pack(meeting, notify=False)
