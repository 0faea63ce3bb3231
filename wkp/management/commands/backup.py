"""`manage.py backup [-o FILE]`: the database (pg_dump) and the media folder in one archive."""

from django.core.management import BaseCommand

from wkp.backup import backup, counts_text, run_for_command


class Command(BaseCommand):
    help = (
        "Write one .tar holding a pg_dump of the database, every file of the media folder and a "
        "manifest (row counts, file hashes, ledger totals, issued packs). PostgreSQL only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="Archive to write (default: backups/wkp-YYYYmmdd-HHMMSS.tar)."
        )

    def handle(self, *args, output=None, **options):
        summary = run_for_command(self, backup, output)
        self.stdout.write(
            f"{summary.path}: {summary.size:,} bytes; {summary.tables} tables, "
            f"{summary.rows:,} rows, {summary.files} media files ({summary.file_bytes:,} bytes)"
            f"{counts_text(summary)}; {summary.seconds:.1f} s"
        )
