"""The two roles of the intranet, as Django groups, and the permissions each carries.

Co-ordinators may add, change, delete and view partnership content; members may view (and so
download). Administrators are staff users and manage the partner list in the Django admin.
"""

from django.db.models import Q

COORDINATOR = "Co-ordinator"
MEMBER = "Member"

# Apps whose content the roles act on say so with `role_content = True` on their AppConfig (the
# core names no app). The partner list (wkp) is the administrators' business: members and
# co-ordinators may view it but not change it.
VIEW_ONLY_APPS = ("wkp",)
# …except that co-ordinators add people and organisations where they choose them (wkp/people.py).
COORDINATOR_EXTRA = {"wkp": ("add_person", "add_organisation")}


def grant_role_permissions(apps, app_label):
    """Give the role groups their permissions on one app's models (used by data migrations)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; create this app's now so that a
    # data migration can grant them (the app config stub has no models module of its own).
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    _grant(apps, app_label)


def sync_roles(sender=None, **kwargs):
    """Give the role groups the permissions they have never had, after every migrate or flush.

    The data migrations create the groups; a test database flush empties them again, and a new
    model's permissions appear only after migrate, so this post_migrate hook adds them. What it
    gives is recorded (wkp.RoleGrant), and a permission given once is never given again: one an
    administrator removed from a role stays removed.

    post_migrate is sent once for each installed app, after that app's permissions are created
    (django.contrib.auth's hook comes first); this syncs the permissions of that app alone, so a
    migrate or flush syncs each app once (it synced every app for each of the 16 apps before).
    """
    from django.apps import apps as global_apps
    from django.db import connections

    label = getattr(sender, "label", None)
    if label not in (*VIEW_ONLY_APPS, *content_apps()):
        return
    using = kwargs.get("using") or "default"
    if "wkp_rolegrant" not in connections[using].introspection.table_names():
        return  # migrated back before the record existed: the next migrate syncs
    _grant(global_apps, label)


def content_apps():
    """The labels of the installed apps whose AppConfig says `role_content = True`."""
    from django.apps import apps as global_apps

    return [c.label for c in global_apps.get_app_configs() if getattr(c, "role_content", False)]


def _grant(apps, app_label):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    coordinator, _ = group_model.objects.get_or_create(name=COORDINATOR)
    member, _ = group_model.objects.get_or_create(name=MEMBER)
    perms = permission_model.objects.filter(content_type__app_label=app_label)
    views = perms.filter(codename__startswith="view_")
    if app_label in content_apps():
        coordinator_perms = perms
    else:
        extra = COORDINATOR_EXTRA.get(app_label, ())
        coordinator_perms = perms.filter(Q(codename__startswith="view_") | Q(codename__in=extra))
    _give(apps, member, views)
    _give(apps, coordinator, coordinator_perms)


def _give(apps, group, perms):
    """Add to `group` those of `perms` not given before, and record them as given."""
    try:
        grant_model = apps.get_model("wkp", "RoleGrant")
    except LookupError:  # a data migration that runs before wkp's record exists
        group.permissions.add(*perms)
        return
    given = grant_model.objects.filter(group=group).values_list("permission_id", flat=True)
    new = list(perms.exclude(pk__in=given))
    group.permissions.add(*new)
    grant_model.objects.bulk_create(
        [grant_model(group=group, permission=p) for p in new], ignore_conflicts=True
    )
