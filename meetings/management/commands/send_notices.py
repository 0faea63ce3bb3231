"""Daily job: send each digest reader their digest, and queue again any unsent notice."""

from django.core.management import BaseCommand

from meetings.notices import resend_unsent, send_digests


class Command(BaseCommand):
    help = "Send the daily digest of notices, and retry notices that could not be sent."

    def handle(self, *args, **options):
        sent = send_digests()
        resend_unsent()
        self.stdout.write(f"{sent} digest(s) sent.")
