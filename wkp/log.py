"""Logging filters."""

import logging

from django.core.exceptions import PermissionDenied


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
