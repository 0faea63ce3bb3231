"""Notices left unsent before the outbox existed get a row for each "every notice" reader.

Before the outbox, a notice with any failed recipient stayed unsent and a retry mailed every
reader again; giving such notices rows for today's "every notice" readers keeps that (one last)
retry. Notices already sent, and digests, need nothing: digests now hold only notices raised
after this migration under the digest preference.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Q


def forwards(apps, schema_editor):
    Notice = apps.get_model("meetings", "Notice")
    NoticeDelivery = apps.get_model("meetings", "NoticeDelivery")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    readers = list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(groups__permissions__codename="view_meeting") | Q(is_superuser=True))
        .exclude(notice_preference__frequency__in=["digest", "none"])
        .distinct()
        .values_list("pk", flat=True)
    )
    for notice in Notice.objects.filter(sent_at__isnull=True, deliveries__isnull=True):
        NoticeDelivery.objects.bulk_create(
            [NoticeDelivery(notice=notice, user_id=pk, mode="every") for pk in readers]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0019_pack_version_agenda"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
