"""Check (and clean) every uploaded file stored before uploads were checked at upload, once:
`manage.py process_uploads` (run after `migrate`; `make run` does)."""

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from meetings.models import Attachment, Paper
from meetings.services import check_stored_file


class Command(BaseCommand):
    help = (
        "Check every paper and attachment file not yet checked (as an upload is: in a bounded "
        "child), store a Word paper's HTML, and replace PDFs holding active content with the "
        "cleaned file. Files already checked are skipped."
    )

    def handle(self, *args, **options):
        records = [
            *Paper.objects.exclude(file="").filter(file_checked_at__isnull=True).order_by("pk"),
            *Attachment.objects.exclude(file="")
            .filter(file_checked_at__isnull=True)
            .order_by("pk"),
        ]
        refused = 0
        for record in records:
            label = f"{type(record).__name__} {record.pk} ({record.file_name or record.file.name})"
            try:
                checked = check_stored_file(record)
            except ValidationError as error:
                refused += 1
                self.stderr.write(f"{label}: refused: {' '.join(error.messages)}")
                continue
            except FileNotFoundError:
                refused += 1
                self.stderr.write(f"{label}: the file is missing from storage.")
                continue
            done = "cleaned: " + checked.removal_message if checked.removed else "checked"
            self.stdout.write(f"{label}: {done}")
        self.stdout.write(f"{len(records) - refused} file(s) checked, {refused} refused.")
        if refused:
            raise CommandError(
                f"{refused} file(s) would be refused at upload: members are not given them; "
                "replace them through the paper's or attachment's form."
            )
