"""Daily job: remind the owners of expected papers a few working days before the deadline."""

from django.core.management import BaseCommand

from meetings.reminders import send_reminders


class Command(BaseCommand):
    help = "E-mail the owners of papers due within the next few working days (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="Working days before the due date.")

    def handle(self, *args, days=3, **options):
        self.stdout.write(f"{send_reminders(working_days=days)} reminder(s) sent.")
