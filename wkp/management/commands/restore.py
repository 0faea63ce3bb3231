"""`manage.py restore FILE`: restore a backup into an empty database and media folder, then
check every table, file, ledger total and issued pack against the backup's manifest."""

from django.core.management import BaseCommand

from wkp.backup import counts_text, restore, run_for_command


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into this database (which must be "
        "empty) and MEDIA_ROOT (empty or missing), then verify it against the archive's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar written by `manage.py backup`.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace what is there instead of refusing: the live schema and media folder are "
            "set aside, the archive restored and checked, and only then is the old schema "
            "dropped (the old media folder is kept as MEDIA_ROOT.before-restore-<time>); if "
            "anything fails, both are put back as they were.",
        )

    def handle(self, *args, archive, replace=False, **options):
        summary = run_for_command(self, restore, archive, replace=replace)
        self.stdout.write(
            f"Restored {summary.path} and verified it against its manifest: {summary.tables} "
            f"tables, {summary.rows:,} rows, {summary.files} media files "
            f"({summary.file_bytes:,} bytes){counts_text(summary)}, every app's figures equal; "
            f"{summary.seconds:.1f} s"
        )
