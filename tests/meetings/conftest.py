import pytest


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Uploaded and generated files in the test's own folder (tmp_path / "media")."""
    settings.MEDIA_ROOT = tmp_path / "media"
