"""Run the background worker, restarting it every few jobs.

WeasyPrint does not give memory back to the system, so a long-lived render worker only grows;
a fresh process every `--jobs` tasks keeps it near its starting size.

`db_worker` runs under Django's autoreloader whenever DEBUG is on (as under `make run`); there,
after its last task the worker thread ends but the reloader keeps the process alive, so this
loop never got to start the next one and the queue stalled after `--jobs` tasks. The worker is
restarted by this loop, never reloaded: `--no-reload`.
"""

import subprocess
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand


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
        try:
            while True:
                subprocess.run(command, check=False)  # noqa: S603 - our own manage.py
                time.sleep(1)
        except KeyboardInterrupt:
            return
