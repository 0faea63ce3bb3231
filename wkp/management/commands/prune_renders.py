"""Delete typeset files that have not been made for a while: `manage.py prune_renders --days 90`.

Everything under `renders/` in storage is a cache keyed by content (pack parts, papers' own PDFs,
minutes and reports): a file deleted here is typeset again the next time it is needed. Issued
packs and uploads live elsewhere and are never touched.
"""

import datetime

from django.core.files.storage import default_storage
from django.core.management import BaseCommand, CommandError
from django.utils import timezone

RENDERS = "renders"


def cached_files(folder=RENDERS):
    """Every file under `folder` in storage, as storage names."""
    # Not `exists(folder)`: an object store has no folders, only names that share a prefix.
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # no cache on the disk yet
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from cached_files(f"{folder}/{sub}")


class Command(BaseCommand):
    help = "Delete typeset files under renders/ last written more than --days days ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="Age in days (default 90).")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go; delete nothing."
        )

    def handle(self, *args, days, dry_run=False, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        count = size = 0
        for name in list(cached_files()):
            if default_storage.get_modified_time(name) >= cutoff:
                continue
            count += 1
            size += default_storage.size(name)
            if dry_run:
                self.stdout.write(name)
            else:
                default_storage.delete(name)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {count} typeset file(s), {size:,} bytes, older than {days} days."
        )
