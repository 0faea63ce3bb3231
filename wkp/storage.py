"""Where stored files live: the local disk (the default) or an S3-compatible object store.

`STORAGE_BACKEND=s3` (wkp/settings.py) stores uploads, typeset papers, issued packs and the render
cache in one private bucket, so that several app servers and workers share them. The bucket is
never public: objects are written without an ACL (the bucket's own private default), and every
file is read by the app and streamed through the permission-checked views, never handed out as a
bucket address.

A store that cannot be reached raises `StorageUnavailable` (or an error `is_unavailable` knows):
`StorageUnavailableMiddleware` answers such a request with 503 and a message, and a pack build
records the reason and tries again later (meetings/tasks.py).
"""

import errno
import logging
import os
import sys
from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage

logger = logging.getLogger(__name__)

# File-system errors that mean "the disk (or network mount) is not there", not "no such file".
UNREACHABLE_ERRNOS = {
    errno.EIO,
    errno.ENOTCONN,
    errno.ESTALE,
    errno.EHOSTDOWN,
    errno.EHOSTUNREACH,
    errno.ETIMEDOUT,
    errno.ENODEV,
    errno.ENXIO,
}


class StorageUnavailable(Exception):
    """The file store cannot be reached for now; nothing is lost, try again later."""


def is_unavailable(error):
    """True when `error` says the store is unreachable (as opposed to a missing file)."""
    if isinstance(error, StorageUnavailable):
        return True
    # botocore is loaded only where the files are in a bucket (PrivateS3Storage); where it is
    # not, no error can be one of its own.
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is not None and isinstance(error, exceptions.BotoCoreError):
        return True
    if exceptions is not None and isinstance(error, exceptions.ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        missing = code in {"404", "NoSuchKey", "NotFound"}
        return not missing and (status >= 500 or status in {0, 403})
    return isinstance(error, OSError) and error.errno in UNREACHABLE_ERRNOS


def __getattr__(name):
    """`PrivateS3Storage`, made when settings first name it: botocore and django-storages' S3
    backend take about 0.15 s to import, which a site keeping its files on disk never needs."""
    if name != "PrivateS3Storage":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from botocore.config import Config
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        """django-storages' S3 storage with this app's safe defaults (see the module docstring):
        no ACL and no public addresses, never overwrite (issued files are kept for ever), short
        time-outs so that an unreachable store answers quickly, and few retries."""

        def __init__(self, **settings):
            from django.conf import settings as django_settings

            timeout = float(getattr(django_settings, "WKP_STORAGE_TIMEOUT", 5))
            defaults = {
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "client_config": Config(
                    connect_timeout=timeout,
                    read_timeout=max(timeout, 30),
                    retries={"max_attempts": getattr(django_settings, "WKP_STORAGE_RETRIES", 2)},
                    signature_version="s3v4",
                    s3={"addressing_style": settings.get("addressing_style")},
                ),
                # Files larger than this are read into a temporary file, not memory.
                "max_memory_size": 8 * 1024 * 1024,
            }
            super().__init__(**{**defaults, **settings})

    PrivateS3Storage.__qualname__ = name
    globals()[name] = PrivateS3Storage  # made once
    return PrivateS3Storage


def storage_ok():
    """True when the default storage answers (for /healthz): a HEAD request on a probe key in the
    bucket, or the media folder (or the folder it will be made in) being writable on the disk."""
    try:
        if isinstance(default_storage, FileSystemStorage):
            root = Path(default_storage.location)
            return os.access(root if root.exists() else root.parent, os.W_OK)
        default_storage.exists("healthz-probe")
        return True
    except Exception as error:  # any failure means "not fine"; the reason goes to the log only
        logger.warning("Health check: storage is not available: %s", error)
        return False
