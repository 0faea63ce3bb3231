"""Background work: packs are built by `manage.py db_worker`, never inside a web request."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from wkp.pdf import PdfRenderError, render_limits

logger = logging.getLogger(__name__)


@task()
def build_pack_version(job_id):
    from .models import PackJob
    from .services import issue_pack

    job = PackJob.objects.select_related("meeting", "requested_by").get(pk=job_id)
    if job.status != PackJob.Status.QUEUED:
        return
    job.status = PackJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        # Each render runs in a child process killed at this limit (wkp/pdf.py).
        with render_limits(timeout=settings.WKP_PACK_RENDER_TIMEOUT):
            version = issue_pack(job.meeting, by=job.requested_by)
    except Exception as error:  # The job records the failure; the web keeps answering.
        logger.exception("Pack build for meeting %s failed", job.meeting_id)
        job.status = PackJob.Status.FAILED
        if isinstance(error, PdfRenderError):
            job.message = f"The pack could not be built: {error}"
        else:
            job.message = f"The pack could not be built ({type(error).__name__}: {error})."
    else:
        job.status = PackJob.Status.DONE
        job.version = version
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "version", "finished_at"])


def request_pack_build(meeting, *, by=None):
    """Queue a build of the next pack version once the current transaction commits."""
    from .models import PackJob

    pending = meeting.pack_jobs.filter(status=PackJob.Status.QUEUED).first()
    if pending:
        return pending
    job = PackJob.objects.create(
        meeting=meeting, requested_by=by if getattr(by, "pk", None) else None
    )
    transaction.on_commit(lambda: build_pack_version.enqueue(job.pk))
    return job
