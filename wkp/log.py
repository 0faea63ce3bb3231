"""Logging filters and the JSON formatter."""

import datetime
import json
import logging
import socket

from django.core.exceptions import PermissionDenied

HOST = socket.gethostname()


class ExpectedRefusalOneLine(logging.Filter):
    """A refused request (PermissionDenied, 403) is expected: log its line, not a traceback.

    Django logs "Forbidden (Permission denied): /path" with the exception attached, so every
    member who follows a link to an editing page filled the log with a stack trace.
    """

    def filter(self, record):
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], PermissionDenied):
            user = getattr(getattr(record, "request", None), "user", None)
            if user is not None and user.is_authenticated:
                record.msg = f"{record.msg} (user {user.pk})"
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json), for log collectors: time (UTC, ISO 8601), level,
    logger, message, host and process, the request's method, path and status where Django gives
    them, and the traceback as one string."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "host": HOST,
            "process": record.process,
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = request.method
            entry["path"] = request.path
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)
