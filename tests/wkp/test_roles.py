"""The role sync (post_migrate) adds permissions the roles lack but never re-adds one an
administrator removed."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from meetings.models import Meeting
from wkp.roles import COORDINATOR, MEMBER


def held(group, codename):
    return group.permissions.filter(codename=codename).exists()


def test_role_sync_adds_a_new_permission_but_not_one_an_administrator_removed(db):
    coordinator, member = Group.objects.get(name=COORDINATOR), Group.objects.get(name=MEMBER)
    coordinator.permissions.remove(Permission.objects.get(codename="delete_meeting"))
    member.permissions.remove(Permission.objects.get(codename="view_minutes"))
    # As a new model's permissions appear after migrate.
    Permission.objects.create(
        codename="approve_meeting",
        name="Can approve meeting",
        content_type=ContentType.objects.get_for_model(Meeting),
    )

    call_command("migrate", verbosity=0)

    coordinator.refresh_from_db()
    member.refresh_from_db()
    assert held(coordinator, "approve_meeting") is True
    assert held(member, "approve_meeting") is False
    assert held(coordinator, "delete_meeting") is False
    assert held(member, "view_minutes") is False
    assert held(coordinator, "change_meeting") is True
    assert held(member, "view_meeting") is True


def test_role_sync_after_a_flush_gives_the_roles_everything_again(transactional_db):
    call_command("flush", verbosity=0, interactive=False)

    coordinator, member = Group.objects.get(name=COORDINATOR), Group.objects.get(name=MEMBER)
    assert held(coordinator, "delete_meeting") is True
    assert held(member, "view_minutes") is True
    assert held(member, "change_meeting") is False
