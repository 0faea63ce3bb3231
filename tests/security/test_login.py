"""Sign-in: throttling, session rotation, logout, idle timeout and password changes.

The basic lock-out and session rotation are in tests/wkp/test_access.py; these extend them.
"""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, pass_second_factor

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def sign_in(client, username="member", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail_five_times(client, username="member"):
    for attempt in range(5):
        response = sign_in(
            client,
            username,
            "wrong",
            REMOTE_ADDR=f"10.0.{attempt}.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
        assert response.status_code in (200, 429)


def test_the_right_password_is_refused_until_the_cool_off_ends(client, member):
    fail_five_times(client)
    for address in ("10.9.9.9", "127.0.0.1"):
        response = sign_in(client, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(client).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = sign_in(client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_four_failures_do_not_lock_and_a_success_resets_the_count(client, member):
    for _ in range(4):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 302


def test_locking_one_user_does_not_lock_another(client, member, coordinator):
    fail_five_times(client, "member")
    assert sign_in(Client(), "coordinator").status_code == 302


def test_the_lock_out_page_says_what_happened(client, member):
    fail_five_times(client)
    response = sign_in(client)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_kills_the_session_on_the_server(client, member):
    sign_in(client)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets the sign-in page, not the intranet.
    replay = Client()
    replay.cookies["sessionid"] = key
    response = replay.get("/partners/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_idle_session_expires(client, member, settings):
    sign_in(client)
    assert client.get("/partners/").status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/partners/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_use_after_the_refresh_interval_moves_the_idle_deadline(client, member, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_REFRESH_SECONDS <= 300
    sign_in(client)
    key = client.session.session_key
    assert client.get("/partners/").status_code == 200  # refreshed now
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_REFRESH_SECONDS)):
        soon = timezone.now() + timedelta(minutes=5)
        Session.objects.filter(session_key=key).update(expire_date=soon)
        assert client.get("/partners/").status_code == 200
        expiry = Session.objects.get(session_key=key).expire_date
        assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_use_within_the_refresh_interval_writes_no_session(client, member, settings):
    sign_in(client)
    key = client.session.session_key
    assert client.get("/partners/").status_code == 200  # the first use after sign-in refreshes
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    response = client.get("/partners/")
    assert response.status_code == 200
    assert Session.objects.get(session_key=key).expire_date == soon
    assert "sessionid" not in response.cookies


def test_an_anonymous_visit_creates_no_session(client):
    assert client.get("/accessibility/").status_code == 302
    assert Session.objects.count() == 0


def test_a_password_change_by_the_administrator_ends_the_users_sessions(client, member, admin_user):
    laptop, phone = Client(), Client()
    sign_in(laptop)
    sign_in(phone)
    assert laptop.get("/partners/").status_code == 200
    admin = Client()
    sign_in(admin, "admin")
    pass_second_factor(admin, admin_user)
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    new = "a-new-long-passphrase-for-mary-77"
    response = admin.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302, response.content[:2000]
    for device in (laptop, phone):
        response = device.get("/partners/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    assert sign_in(Client(), password=new).status_code == 302


def test_changing_your_own_password_keeps_this_session_and_ends_the_others(client, admin_user):
    here, elsewhere = Client(), Client()
    for device in (here, elsewhere):
        sign_in(device, "admin")
        pass_second_factor(device, admin_user)
    new = "another-long-passphrase-for-admin-88"
    response = here.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert here.get("/partners/").status_code == 200
    assert elsewhere.get("/partners/").status_code == 302


def test_a_deactivated_users_session_ends_at_once(client, member):
    sign_in(client)
    assert client.get("/partners/").status_code == 200
    member.is_active = False
    member.save()
    response = client.get("/partners/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_login_form_is_csrf_protected(member):
    strict = Client(enforce_csrf_checks=True)
    assert sign_in(strict).status_code == 403


def test_sign_in_redirect_never_leaves_the_site(client, member):
    response = client.post(
        LOGIN + "?next=https://evil.example/",
        {"username": "member", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
