import pytest
from django.urls import reverse

from tests.urlcrawl import project_urls

# The calendar feed is reached by a secret token instead of a login (tested in tests/meetings);
# /healthz answers load balancers (tests/wkp/test_object_storage.py); /favicon.ico sends anyone on
# to the static icon (tests/wkp/test_favicon.py).
PUBLIC = {"login", "admin:login", "meetings:calendar_feed", "healthz", "favicon"}
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


@pytest.mark.django_db
def test_every_url_redirects_anonymous_visitors_to_login(client):
    checked = 0
    for path, name in project_urls(exclude_admin=False):
        if name in PUBLIC:
            continue
        response = client.get(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response["Location"].startswith(LOGIN_PAGES), path
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_login_page_is_public_and_allows_paste(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'autocomplete="current-password"' in html
    assert "onpaste" not in html


@pytest.mark.django_db
def test_member_is_refused_the_admin(member_client):
    response = member_client.get("/admin/wkp/organisation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_member_sees_the_partner_list(member_client):
    response = member_client.get(reverse("partner_list"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private" or set(
        response["Cache-Control"].replace(" ", "").split(",")
    ) == {"private", "no-store"}


@pytest.mark.django_db
def test_user_without_a_role_gets_403_on_the_partner_list(client, make_user):
    client.force_login(make_user("outsider"))
    assert client.get(reverse("partner_list")).status_code == 403


@pytest.mark.django_db
def test_login_locks_after_five_failures_even_with_a_new_forwarded_address(client, member):
    url = reverse("login")
    for attempt in range(5):
        client.post(
            url,
            {"username": "member", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = client.post(
        url,
        {"username": "member", "password": "correct-horse-battery-staple-42"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_with_the_right_password_signs_in_and_rotates_the_session(client, member):
    client.get(reverse("login"))
    before = client.session.session_key
    response = client.post(
        reverse("login"),
        {"username": "member", "password": "correct-horse-battery-staple-42"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.session.session_key != before


@pytest.mark.django_db
def test_roles_are_created_with_permissions():
    from django.contrib.auth.models import Group

    coordinator = Group.objects.get(name="Co-ordinator")
    member = Group.objects.get(name="Member")
    assert coordinator.permissions.filter(codename="view_organisation").exists()
    assert member.permissions.filter(codename="view_person").exists()
    assert not member.permissions.filter(codename__startswith="change_").exists()


EDIT_SUFFIXES = (
    "_create", "_edit", "_update", "_delete", "_restore", "_publish", "_reorder", "_action",
    "_reopen", "_correct", "_add", "_issue", "_approve", "_amend", "_upload",
)  # fmt: skip


def edit_urls():
    return [
        (path, name)
        for path, name in project_urls()
        if name and name.split(":")[-1].endswith(EDIT_SUFFIXES)
    ]


def test_edit_urls_are_found_in_every_content_app():
    apps = {name.split(":")[0] for _, name in edit_urls()}
    assert "meetings" in apps
    assert len(edit_urls()) >= 10


# The agenda editor is read with GET only: its changes are posted to the actions it links to,
# so a POST is refused (405) before anyone's permission is asked.
GET_ONLY_EDIT_PAGES = {"meetings:agenda_edit"}


@pytest.mark.django_db
def test_member_gets_403_on_every_edit_url(member_client):
    for path, name in edit_urls():
        for method in (member_client.get, member_client.post):
            response = method(path.replace("/x/", "/up/"))
            assert response.status_code in (403, 405), (name, path, response.status_code)
            if method == member_client.post:
                expected = 405 if name in GET_ONLY_EDIT_PAGES else 403
                assert response.status_code == expected, (name, path)
