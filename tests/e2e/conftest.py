import os

import pytest

from tests.conftest import totp_code

# Playwright's sync API keeps an event loop running in this thread for the whole session (up to
# the database flush after the last browser test); the ORM calls made between browser steps are
# still synchronous and safe. Subprocesses the suite starts drop this variable (test_settings).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def fresh_app(username):
    """A new authenticator app for this user if their role needs one, else None.

    Each sign-in gets its own device, because a device refuses a code it has already accepted
    (a browser test may sign the same person in twice within one 30-second step).
    """
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from wkp.two_factor import needs_two_factor

    user = get_user_model().objects.get(username=username)
    if not needs_two_factor(user):
        return None
    return TOTPDevice.objects.create(user=user, name="Browser test app", confirmed=True)


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username, password):
        app = fresh_app(username)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        if app is not None:
            page.get_by_role("heading", name="Confirm it is you").wait_for()
            page.get_by_label("Code").fill(totp_code(app))
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{live_server.url}/")

    return sign_in
