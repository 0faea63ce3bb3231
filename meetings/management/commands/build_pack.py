"""Write a meeting's pack to a file: `manage.py build_pack 2006-07-14 -o pack.pdf`."""

import datetime

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from meetings.models import Meeting
from meetings.pack import build_pack, gather_pack
from wkp.downloads import file_name
from wkp.pdf import PdfRenderError, render_limits


class Command(BaseCommand):
    help = (
        "Build the PDF pack of a meeting (given by id or date YYYY-MM-DD) and write it to a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("meeting", help="The meeting's id, or its date as YYYY-MM-DD.")
        parser.add_argument("-o", "--output", help="File to write (default: WKP-<date>-pack.pdf).")

    def handle(self, *args, meeting, output=None, **options):
        found = self.find(meeting)
        try:
            with render_limits(timeout=settings.WKP_PACK_RENDER_TIMEOUT):
                built = build_pack(gather_pack(found))
        except PdfRenderError as error:
            raise CommandError(str(error)) from error
        path = output or file_name(f"{found.file_stem}-pack.pdf")
        with open(path, "wb") as handle:
            handle.write(built.pdf)
        for notice in built.notices:
            self.stderr.write(notice)
        self.stdout.write(f"{path}: {built.page_count} pages, {len(built.pdf):,} bytes")

    def find(self, key):
        meetings = Meeting.objects.select_related("body", "venue", "contact_officer")
        try:
            if key.isdigit():
                return meetings.get(pk=int(key))
            return meetings.get(date=datetime.date.fromisoformat(key))
        except (ValueError, Meeting.DoesNotExist) as error:
            raise CommandError(f"No meeting {key!r}: give an id or a date YYYY-MM-DD.") from error
        except Meeting.MultipleObjectsReturned as error:
            raise CommandError(f"Several meetings on {key}: give the id instead.") from error
