"""Reminders to the owners of expected papers, a few working days before they are due."""

import datetime
import logging

from django.core.mail import send_mail
from django.utils import timezone

from wkp.templatetags.wkp_format import uk_date

from .deadlines import is_working_day
from .models import ForwardPlanEntry

logger = logging.getLogger(__name__)


def working_days_between(start, end):
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


def addresses(entry):
    if entry.owner_person_id and entry.owner_person.email:
        return [entry.owner_person.email]
    if entry.owner_organisation_id:
        return [p.email for p in entry.owner_organisation.people.all() if p.email]
    return []


def send_reminders(*, working_days=3, today=None):
    today = today or timezone.localdate()
    sent = 0
    entries = (
        ForwardPlanEntry.objects.outstanding()
        .filter(reminded_at__isnull=True, meeting__date__gte=today)
        .select_related("meeting__body", "owner_person", "owner_organisation")
        .prefetch_related("owner_organisation__people")
    )
    for entry in entries:
        due = entry.due
        if due < today or working_days_between(today, due) > working_days:
            continue
        to = addresses(entry)
        if not to:
            continue
        when = uk_date(due)
        meeting = entry.meeting
        try:
            send_mail(
                f"Paper due {when}: {entry.title}",
                f"A reminder that “{entry.title}” is due on {when} for the meeting of "
                f"{uk_date(meeting.date)} "
                f"({meeting.display_title}). Please send it to the co-ordinator.",
                None,
                to,
            )
        except Exception:
            logger.exception("Reminder for %s failed; it will be tried again", entry.pk)
            continue
        entry.reminded_at = timezone.now()
        entry.save(update_fields=["reminded_at"])
        sent += 1
    return sent
