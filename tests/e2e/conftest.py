import os

import pytest

# Playwright's sync API keeps an event loop running in this thread for the whole session (up to
# the database flush after the last browser test); the ORM calls made between browser steps are
# still synchronous and safe. Subprocesses the suite starts drop this variable (test_settings).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return sign_in
