"""The issued packs in a backup's manifest, compared after a restore (wkp/backup.py)."""

from wkp.backup import stored_file_exists, stored_sha256
from wkp.registry import BackupCheck

from .models import PackVersion


def issued_packs():
    return [
        {
            "meeting": v.meeting_id,
            "number": v.number,
            "file": v.file.name,
            "sha256": v.sha256,
            "supplement": v.supplement.name,
            "supplement_sha256": v.supplement_sha256,
        }
        for v in PackVersion.objects.order_by("meeting_id", "number")
    ]


def pack_file_problems(root):
    """Issued pack files whose bytes differ from their recorded SHA-256."""
    for pack in issued_packs():
        for key, digest in (("file", "sha256"), ("supplement", "supplement_sha256")):
            name = pack[key]
            if (
                name
                and stored_file_exists(root, name)
                and stored_sha256(root, name) != pack[digest]
            ):
                yield f"issued pack file {pack[key]} differs from its recorded SHA-256"


PACKS_CHECK = BackupCheck(
    key="packs",
    figures=issued_packs,
    mismatch=lambda backed_up, restored: (
        "the issued packs listed in the database differ from the backup's"
    ),
    file_problems=pack_file_problems,
    counted="issued pack",
)
