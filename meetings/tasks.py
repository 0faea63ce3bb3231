"""Background work: packs are built by `manage.py db_worker`, never inside a web request.

Several workers (on several machines) may take pack jobs at once. A build holds row locks on
every queued job of its meeting for as long as it runs, in one transaction: a second worker
given a job of the same meeting waits for the first to finish and then finds its job done (or,
if it was asked for later, that nothing has changed), so each pack version is typeset once. A
worker that dies mid-build loses its connection, PostgreSQL rolls the build back and releases
the locks, and the job is queued again by a sweep (`requeue_pack_jobs`, run by every
`run_worker` every half minute). A build that fails because the file store is unreachable keeps
its job queued with the reason and is tried again later, up to WKP_PACK_BUILD_ATTEMPTS times.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from wkp.pdf import PdfRenderError, render_limits
from wkp.storage import is_unavailable

logger = logging.getLogger(__name__)


def requeue_after():
    """A queued job that no task has taken within this time (its worker died, or the queue was
    lost) is queued again by the sweep."""
    return datetime.timedelta(seconds=settings.WKP_PACK_REQUEUE_SECONDS)


def _storage_failure(error):
    while error is not None:
        if is_unavailable(error):
            return True
        error = error.__cause__ or error.__context__
    return False


@task()
def build_pack_version(job_id):
    from .models import PackJob

    job = PackJob.objects.filter(pk=job_id).only("meeting_id", "status").first()
    if job is None or job.status != PackJob.Status.QUEUED:
        return
    with transaction.atomic():
        # Oldest first, so that two builds lock in the same order; waits while another worker
        # builds this meeting's pack.
        locked = list(
            PackJob.objects.select_for_update()
            .filter(meeting_id=job.meeting_id, status=PackJob.Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if job_id not in locked:
            return  # built meanwhile by the worker we waited for
        # Imported once the job is locked: a worker's first build loads the pack's modules
        # (about half a second), and a build claims its job before anything slow.
        from .services import issue_pack

        job = PackJob.objects.select_related("meeting", "requested_by").get(pk=job_id)
        try:
            # Each render runs in a child process killed at this limit (wkp/pdf.py).
            with render_limits(timeout=settings.WKP_PACK_RENDER_TIMEOUT), transaction.atomic():
                version = issue_pack(job.meeting, by=job.requested_by)
        except Exception as error:  # The job records the failure; the web keeps answering.
            _record_failure(job, error)
            return
        # Every job queued before this build began is answered by it.
        PackJob.objects.filter(pk__in=locked).update(
            status=PackJob.Status.DONE, version=version, message="", finished_at=timezone.now()
        )
        logger.info("Pack job %s done: meeting %s, v%s", job_id, job.meeting_id, version.number)


def _record_failure(job, error):
    from .models import PackJob

    job.attempts += 1
    now = timezone.now()
    if _storage_failure(error) and job.attempts < settings.WKP_PACK_BUILD_ATTEMPTS:
        delay = settings.WKP_PACK_BUILD_RETRY_SECONDS * job.attempts
        retry = now + datetime.timedelta(seconds=delay)
        logger.warning(
            "Pack build for meeting %s: file store unavailable (%s); retrying after %s",
            job.meeting_id,
            error,
            retry.isoformat(),
        )
        job.due_at = retry
        when = timezone.localtime(retry)
        job.message = (
            "The file store is unavailable for now, so the pack could not be stored. "
            f"It will be tried again after {when:%H:%M} (attempt {job.attempts} of "
            f"{settings.WKP_PACK_BUILD_ATTEMPTS}); nothing has been lost."
        )
        job.save(update_fields=["attempts", "due_at", "message"])
        return
    logger.exception("Pack build for meeting %s failed", job.meeting_id, exc_info=error)
    job.status = PackJob.Status.FAILED
    if _storage_failure(error):
        job.message = (
            f"The pack could not be built: the file store was unavailable after "
            f"{job.attempts} attempts. Please issue it again once it is back."
        )
    elif isinstance(error, PdfRenderError):
        job.message = f"The pack could not be built: {error}"
    else:
        job.message = f"The pack could not be built ({type(error).__name__}: {error})."
    job.finished_at = now
    job.save(update_fields=["status", "message", "attempts", "finished_at"])


def request_pack_build(meeting, *, by=None):
    """Queue a build of the next pack version once the current transaction commits."""
    from .models import PackJob

    pending = meeting.pack_jobs.filter(status=PackJob.Status.QUEUED).first()
    if pending:
        return pending
    job = PackJob.objects.create(
        meeting=meeting,
        requested_by=by if getattr(by, "pk", None) else None,
        due_at=timezone.now() + requeue_after(),
    )
    transaction.on_commit(lambda: build_pack_version.enqueue(job.pk))
    return job


def _jobs_with_a_live_task(pks, now):
    """The jobs among `pks` whose task is still alive in the database queue: waiting for a
    worker, or taken less than WKP_PACK_REQUEUE_SECONDS ago (a worker that has just taken a
    task has not locked its job yet). Queuing them again would only add work; a task taken
    longer ago whose job is unlocked was left by a worker that died."""
    if not pks:
        return set()
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another queue: it cannot be asked
        return set()
    if not isinstance(build_pack_version.get_backend(), DatabaseBackend):
        return set()
    alive = DBTaskResult.objects.filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gt=now - requeue_after()),
        task_path=f"{__name__}.build_pack_version",
    ).values_list("args_kwargs", flat=True)
    return {args["args"][0] for args in alive if args.get("args")} & set(pks)


def requeue_pack_jobs():
    """Queue again every queued pack job that is due and not being built (its lock is free):
    one whose build failed for want of the file store, or whose worker died. Returns how many.
    A job queued twice is harmless: the second task finds it built."""
    from .models import PackJob

    now = timezone.now()
    with transaction.atomic():
        due = list(
            PackJob.objects.select_for_update(skip_locked=True)
            .filter(status=PackJob.Status.QUEUED)
            .filter(
                Q(due_at__lte=now) | Q(due_at__isnull=True, requested_at__lte=now - requeue_after())
            )
            .values_list("pk", flat=True)
        )
        alive = _jobs_with_a_live_task(due, now)
        due = [pk for pk in due if pk not in alive]
        PackJob.objects.filter(pk__in=due).update(due_at=now + requeue_after())
    for pk in due:
        logger.info("Pack job %s queued again", pk)
        build_pack_version.enqueue(pk)
    return len(due)
