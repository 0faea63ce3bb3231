"""Load the demo data (the 14 July 2006 meeting and its partners) and create three demo logins."""

import secrets
from base64 import b32encode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, call_command
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from wkp.registry import demo_steps
from wkp.roles import COORDINATOR, MEMBER
from wkp.two_factor import APP_DEVICE_NAME, needs_two_factor

DEMO_USERS = [
    # username, full name, group, is_staff/superuser
    ("admin", ("Demo", "Administrator"), None, True),
    ("coordinator", ("Demo", "Co-ordinator"), COORDINATOR, False),
    ("member", ("Demo", "Member"), MEMBER, False),
]


class Command(BaseCommand):
    help = "Load the demo fixtures and (re)create the admin, co-ordinator and member logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-users", action="store_true", help="Load the fixtures only; create no logins."
        )

    def handle(self, *args, no_users=False, **options):
        with transaction.atomic():
            # One call, so references between files are checked once all rows are in.
            fixtures = sorted((settings.BASE_DIR / "fixtures").glob("*.json"))
            call_command("loaddata", *fixtures, verbosity=0)
            # What each app adds to its demo data (wkp/registry.py), e.g. the issued packs.
            for step in demo_steps():
                step()
            if no_users:
                return
            logins = [self.make_user(*spec) for spec in DEMO_USERS]
        self.stdout.write("Demo logins (passwords are new on every run):")
        for username, password, _key in logins:
            self.stdout.write(f"  {username:<12} {password}")
        self.stdout.write(
            "admin and coordinator sign in in two steps. Their authenticator keys (demo only; "
            "in production each person sets up their own app at first sign-in), with the "
            "command that shows the current code:"
        )
        for username, _password, key in logins:
            if key:
                self.stdout.write(f"  {username:<12} {key}    oathtool --totp -b {key}")

    def make_user(self, username, names, group_name, is_admin):
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = names
        user.email = f"{username}@example.org"
        user.is_staff = user.is_superuser = is_admin
        user.is_active = True
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save()
        if group_name:
            user.groups.set([Group.objects.get(name=group_name)])
        return username, password, self.enrol_app(user)

    def enrol_app(self, user):
        """A confirmed authenticator app with a new key, for the roles that sign in in two steps.

        Demo only: it spares a newcomer setting up an app before reaching the editor. Any older
        devices go, so the printed key is the one that works.
        """
        if not needs_two_factor(user):
            return None
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)
        return b32encode(device.bin_key).decode()
