"""`/healthz`: for load balancers and monitoring. No login; it says only whether the database,
the file store and a background worker (a heartbeat within WKP_WORKER_HEARTBEAT_SECONDS) are fine:
200 when all three are, else 503. Nothing else (no versions, names, counts or errors: those go to
the log)."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import WorkerHeartbeat
from .storage import storage_ok

logger = logging.getLogger(__name__)


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as error:  # any failure means "not fine"
        logger.warning("Health check: database is not available: %s", error)
        return False


def worker_ok():
    since = timezone.now() - datetime.timedelta(seconds=settings.WKP_WORKER_HEARTBEAT_SECONDS)
    try:
        return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()
    except Exception as error:
        logger.warning("Health check: worker heartbeat unreadable: %s", error)
        return False


@login_not_required
@never_cache
@require_safe
def healthz(request):
    database = database_ok()
    checks = {
        "database": database,
        "storage": storage_ok(),
        "worker": database and worker_ok(),
    }
    body = {name: "ok" if fine else "failing" for name, fine in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)
