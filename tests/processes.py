"""Child processes that tests start in a session of their own (`start_new_session=True`)."""

import os
import signal
import subprocess
from pathlib import Path


def stop_group(process, *, timeout):
    """SIGTERM the process and its children, then SIGKILL them if they outlive `timeout` s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


ROOT = Path(__file__).resolve().parents[1]


def run_in_project(command, *, without=(), env=None, timeout):
    """Run `command` in the project folder with this process's environment less the variables
    named in `without`, plus `env`; its output captured as text."""
    environment = {k: v for k, v in os.environ.items() if k not in set(without)}
    environment.update(env or {})
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )
