"""E-mail notices to members: one clear message per event, or a daily digest, as each chooses.

Notices are recorded in the transaction that causes them, with one outbox row (NoticeDelivery)
per member who wanted e-mail at that moment, in the way they wanted it then. The background
worker sends the "every notice" rows after the transaction commits, the daily `send_notices` job
sends each digest reader one e-mail with their unsent digest rows. Each row is claimed under a
row lock and marked sent on its own, so a member is told once whatever the mode, and when one
recipient's mail server refuses, the retry sends to that recipient alone.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .models import Notice, NoticeDelivery, NoticePreference

logger = logging.getLogger(__name__)

Frequency = NoticePreference.Frequency
Mode = NoticeDelivery.Mode


def record_notice(meeting, *, subject, lines, path):
    """Record a notice now; e-mail it once the current transaction commits.

    Nothing is recorded about a draft meeting: members must not hear of it (None)."""
    # Read the status afresh: a caller may hold the meeting as it was before publication.
    if type(meeting).objects.filter(pk=meeting.pk, status=type(meeting).Status.DRAFT).exists():
        return None
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    # A meeting title may use all 200 characters; the subject must still fit, or issuing fails.
    limit = Notice._meta.get_field("subject").max_length
    if len(subject) > limit:
        subject = subject[: limit - 1] + "…"
    notice = Notice.objects.create(
        meeting=meeting, subject=subject, body="\n".join(lines), url=f"{base}{path}"
    )
    NoticeDelivery.objects.bulk_create(
        [
            NoticeDelivery(notice=notice, user=user, mode=Mode.EVERY)
            for user in recipients(Frequency.EVERY)
        ]
        + [
            NoticeDelivery(notice=notice, user=user, mode=Mode.DIGEST)
            for user in recipients(Frequency.DIGEST)
        ]
    )
    transaction.on_commit(lambda: send_notice.enqueue(notice.pk))
    return notice


def recipients(frequency):
    """Active members (anyone who may view meetings) with an address and this preference."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(
        Q(groups__permissions__codename="view_meeting") | Q(is_superuser=True)
    ).distinct()
    if frequency == NoticePreference.Frequency.EVERY:
        return users.exclude(
            notice_preference__frequency__in=[
                NoticePreference.Frequency.DIGEST,
                NoticePreference.Frequency.NONE,
            ]
        )
    return users.filter(notice_preference__frequency=frequency)


def _message(user, subject, notices, connection):
    context = {"user": user, "notices": notices, "subject": subject}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("meetings/email/notice.txt", context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("meetings/email/notice.html", context), "text/html")
    return message


def _record_failure(deliveries, error):
    NoticeDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:300]
    )


def _unsent(**filters):
    # Lock only the outbox rows (not the joined notice or user), skipping rows that another
    # worker is sending right now: that worker marks them sent.
    return (
        NoticeDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(sent_at__isnull=True, user__is_active=True, **filters)
        .exclude(user__email="")
        .select_related("user", "notice__meeting")
    )


@task()
def send_notice(notice_id):
    """E-mail the notice to every recipient who chose "every notice" and has not had it yet."""
    # A meeting put back to draft since: members hear nothing of it.
    notice = Notice.objects.published().filter(pk=notice_id).first()
    if notice is None:
        return
    connection = get_connection()
    # A member since deactivated or left without an address is not waited for.
    pending = notice.deliveries.filter(
        mode=Mode.EVERY, sent_at__isnull=True, user__is_active=True
    ).exclude(user__email="")
    for delivery_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            delivery = _unsent(pk=delivery_id).first()
            if delivery is None:
                continue  # sent meanwhile, or being sent by another worker
            try:
                _message(delivery.user, notice.subject, [notice], connection).send()
            except Exception as error:  # One bad address must not stop the rest.
                logger.warning(
                    "Notice %s to user %s failed: %s", notice.pk, delivery.user_id, error
                )
                _record_failure([delivery], error)
                connection.close()  # a fresh session for the next recipient
                continue
            NoticeDelivery.objects.filter(pk=delivery.pk).update(
                sent_at=timezone.now(), attempts=delivery.attempts + 1, last_error=""
            )
    if not pending.exists():
        Notice.objects.filter(pk=notice.pk, sent_at__isnull=True).update(sent_at=timezone.now())


def send_digests(now=None):
    """One e-mail per member with every digest notice not yet sent to them, raised up to `now`.

    A notice raised while the member chose the digest goes in their next digest even if they
    have changed their choice since; one raised while they chose every notice or none never does.
    """
    now = now or timezone.now()
    connection = get_connection()
    sent = 0
    waiting = (
        NoticeDelivery.objects.filter(
            mode=Mode.DIGEST, sent_at__isnull=True, notice__created_at__lte=now
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in sorted(set(waiting)):
        with transaction.atomic():
            deliveries = list(
                _unsent(user_id=user_id, mode=Mode.DIGEST, notice__created_at__lte=now).order_by(
                    "notice__created_at", "pk"
                )
            )
            if not deliveries:
                continue
            user, notices = deliveries[0].user, [d.notice for d in deliveries]
            subject = (
                f"West Kent Partnership: {len(notices)} notice{'s' if len(notices) > 1 else ''}"
            )
            try:
                _message(user, subject, notices, connection).send()
            except Exception as error:
                logger.warning(
                    "Digest to user %s failed (tried again next time): %s", user_id, error
                )
                _record_failure(deliveries, error)
                connection.close()
                continue
            NoticeDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                sent_at=now, attempts=F("attempts") + 1, last_error=""
            )
            NoticePreference.objects.filter(user_id=user_id).update(last_digest_at=now)
            sent += 1
    return sent


def resend_unsent():
    """Queue again every notice that some "every notice" recipient has not had (a periodic job)."""
    unsent = NoticeDelivery.objects.filter(
        mode=Mode.EVERY, sent_at__isnull=True, user__is_active=True
    ).exclude(user__email="")
    for notice_id in unsent.values_list("notice_id", flat=True).distinct().order_by("notice_id"):
        send_notice.enqueue(notice_id)
