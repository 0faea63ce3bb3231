"""The render cache can be pruned by age; issued packs and uploads are never touched."""

import os
import time

import pytest
from django.core.management import CommandError, call_command


def touch(path, days_ago):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 cached")
    stamp = time.time() - days_ago * 86400
    os.utime(path, (stamp, stamp))


def test_old_typeset_files_go_and_everything_else_stays(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path
    old_part = tmp_path / "renders/parts/aaa.pdf"
    old_minutes = tmp_path / "renders/documents/bbb.pdf"
    new_paper = tmp_path / "renders/papers/ccc.pdf"
    old_pack = tmp_path / "packs/1/WKP-2006-07-14-pack-v1.pdf"
    old_upload = tmp_path / "papers/2006/paper.pdf"
    touch(old_part, 120)
    touch(old_minutes, 91)
    touch(new_paper, 10)
    touch(old_pack, 400)
    touch(old_upload, 400)

    call_command("prune_renders", "--days", "90", "--dry-run")
    assert "Would delete 2 typeset file(s)" in capsys.readouterr().out
    assert old_part.exists() and old_minutes.exists()

    call_command("prune_renders", "--days", "90")
    assert "Deleted 2 typeset file(s), 30 bytes" in capsys.readouterr().out
    assert not old_part.exists() and not old_minutes.exists()
    assert new_paper.exists() and old_pack.exists() and old_upload.exists()


def test_no_cache_yet_is_fine_and_a_silly_age_is_refused(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path
    call_command("prune_renders")
    assert "Deleted 0 typeset file(s)" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("prune_renders", "--days", "0")
