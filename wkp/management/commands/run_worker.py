"""Run the background worker, restarting it every few jobs.

WeasyPrint does not give memory back to the system, so a long-lived render worker only grows;
a fresh process every `--jobs` tasks keeps it near its starting size.

`db_worker` runs under Django's autoreloader whenever DEBUG is on (as under `make run`); there,
after its last task the worker thread ends but the reloader keeps the process alive, so this
loop never got to start the next one and the queue stalled after `--jobs` tasks. The worker is
restarted by this loop, never reloaded: `--no-reload`.

Beside it, a thread writes the worker's heartbeat (read by /healthz) and runs each app's sweep
(an app config's `worker_sweep()`, such as queuing again a pack build whose worker died) every
WKP_WORKER_HEARTBEAT_INTERVAL seconds.
"""

import datetime
import logging
import os
import socket
import subprocess
import sys
import threading
import time

from django.apps import apps
from django.conf import settings
from django.core.management import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)


def beat(name):
    """Write this worker's heartbeat, forget ones not seen for a day, and run the apps' sweeps."""
    from wkp.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - datetime.timedelta(days=1)).delete()
    for config in apps.get_app_configs():
        sweep = getattr(config, "worker_sweep", None)
        if sweep is not None:
            sweep()


def heartbeat_loop(name, stop):
    while not stop.is_set():
        try:
            close_old_connections()
            beat(name)
        except Exception:  # the database may be away for a moment: try again next time
            logger.exception("Worker heartbeat failed")
        stop.wait(settings.WKP_WORKER_HEARTBEAT_INTERVAL)
    connection.close()


class Command(BaseCommand):
    help = "Run `db_worker` in a loop, restarting the process after every N tasks."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=10, help="Tasks per worker process.")

    def handle(self, *args, jobs=10, **options):
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "db_worker",
            "--no-reload",
            "--max-tasks",
            str(jobs),
            "--no-startup-delay",
            "--interval",
            "1",
        ]
        self.stdout.write(f"Background worker: restarting every {jobs} tasks.")
        stop = threading.Event()
        name = f"{socket.gethostname()}:{os.getpid()}"
        threading.Thread(target=heartbeat_loop, args=(name, stop), daemon=True).start()
        try:
            while True:
                subprocess.run(command, check=False)  # noqa: S603 - our own manage.py
                time.sleep(1)
        except KeyboardInterrupt:
            return
        finally:
            stop.set()
