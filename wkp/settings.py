"""Settings for the West Kent Partnership intranet, read from the environment.

Production is the default: DEBUG is off unless DEBUG=1 is set (fail closed), and then SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL (PostgreSQL) must be set; the app refuses to start without a
SECRET_KEY. Development (`make run` and the tests set DEBUG=1): SQLite file in the project folder,
a fixed development key.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name, default):
    """An on/off setting; a value that is neither (a typo such as DEBUG=ture) stops the app
    rather than being read as off."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is neither on nor off: use one of "
        f"{', '.join(sorted(TRUE_WORDS))} (on) or {', '.join(sorted(FALSE_WORDS))} (off)."
    )


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "wkp.apps.WkpAdminConfig",  # django.contrib.admin with wkp.admin.AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_prose_editor",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "wkp",
    "meetings",
    "finance",
    "subgroups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wkp.middleware.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the body (CSRF's check reads the form in process_view, later).
    "wkp.middleware.RequestBodyLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "wkp.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wkp.middleware.PrivateCacheMiddleware",
    "wkp.middleware.StorageUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wkp.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Widgets render through the project's templates, so templates/django/forms/ may override
# Django's own; the select is written out in Python (wkp/renderers.py: long choice lists).
FORM_RENDERER = "wkp.renderers.FormRenderer"

WSGI_APPLICATION = "wkp.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server and its background worker write to one SQLite file. WAL lets readers
    # and one writer work at once, writers wait (timeout, seconds) instead of failing, and
    # IMMEDIATE transactions take the write lock at BEGIN, so a read that turns into a write never
    # hits "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures lock the username for the cool-off period. The client address
# comes from REMOTE_ADDR only, so a forged X-Forwarded-For cannot reset the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# axes.W006 asks for the IP address in the lockout key. We lock by username alone on purpose:
# partners sign in from shared council and police networks behind one address, so an IP lockout
# would lock out a whole organisation, and a username lock is not reset by changing address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Two-factor sign-in (django-otp): co-ordinators and administrators confirm a code from an
# authenticator app (or a single-use backup code) after their password; see wkp/two_factor.py.
OTP_TOTP_ISSUER = "West Kent Partnership"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
BACKUP_CODE_COUNT = 10

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Papers are private: no URL pattern serves MEDIA_URL; files are read through the storage API
# and served only by permission-checked views.
MEDIA_URL = "/private-media/"
# Stored files on the local disk (MEDIA_ROOT) by default. STORAGE_BACKEND=s3 keeps them in one
# private S3-compatible bucket instead (AWS S3, MinIO, Ceph…), shared by every app server and
# worker (wkp/storage.py; README "Running on several machines").
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
if STORAGE_BACKEND == "s3":
    if not os.environ.get("S3_BUCKET"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET (the bucket's name).")
    DEFAULT_STORAGE = {
        "BACKEND": "wkp.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            # Unset: boto3 finds credentials itself (instance role, ~/.aws, AWS_* variables).
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE") or None,
        },
    }
elif STORAGE_BACKEND == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'filesystem' or 's3'.")
# Seconds to wait for the object store to answer before a download says "unavailable for now".
WKP_STORAGE_TIMEOUT = float(os.environ.get("WKP_STORAGE_TIMEOUT", "5"))
WKP_STORAGE_RETRIES = int(os.environ.get("WKP_STORAGE_RETRIES", "2"))
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Source maps (the rich-text editor ships 2.4 MB of them) are opened only by a developer's
# browser tools: compressing them at Brotli's highest quality was half of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Stored files are readable by the app's user and group only, folders likewise.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Request bodies, refused with 413 before anything reads them (wkp.middleware.RequestBodyLimit):
# anyone may send up to WKP_MAX_BODY_BYTES (forms); only users holding one of the upload
# permissions may send more, up to a file of MAX_UPLOAD_BYTES and its form. The proxy in front
# should refuse the same maximum (nginx: client_max_body_size 21m).
WKP_MAX_BODY_BYTES = int(os.environ.get("WKP_MAX_BODY_BYTES", str(DATA_UPLOAD_MAX_MEMORY_SIZE)))
WKP_MAX_UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024
WKP_UPLOAD_PERMISSIONS = (
    "meetings.add_paper",
    "meetings.change_paper",
    "meetings.add_attachment",
)

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# The address e-mails link to (no request when a background task sends them).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "West Kent Partnership <wkp@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

FORMS_URLFIELD_ASSUME_HTTPS = True

# Background work (pack builds) runs in `manage.py db_worker`, which may run on any machine.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /healthz says the worker is fine when one wrote its heartbeat within this many seconds
# (`run_worker` writes one every WKP_WORKER_HEARTBEAT_INTERVAL seconds).
# A pack build that fails because the file store is unreachable is tried again after this many
# seconds times the attempts so far, up to this many attempts in all (meetings/tasks.py).
WKP_PACK_BUILD_ATTEMPTS = int(os.environ.get("WKP_PACK_BUILD_ATTEMPTS", "5"))
WKP_PACK_BUILD_RETRY_SECONDS = int(os.environ.get("WKP_PACK_BUILD_RETRY_SECONDS", "60"))
# A queued pack job not taken by any worker in this many seconds is queued again (a worker died).
WKP_PACK_REQUEUE_SECONDS = int(os.environ.get("WKP_PACK_REQUEUE_SECONDS", "120"))
WKP_WORKER_HEARTBEAT_SECONDS = int(os.environ.get("WKP_WORKER_HEARTBEAT_SECONDS", "180"))
WKP_WORKER_HEARTBEAT_INTERVAL = float(os.environ.get("WKP_WORKER_HEARTBEAT_INTERVAL", "30"))

# Every PDF render runs in a child process killed at its wall-time limit (seconds) and limited to
# this much address space (MiB) (wkp/pdf.py). Web requests get the shorter limit; the background
# pack build, which typesets every paper in one pass, the longer one.
WKP_RENDER_TIMEOUT = float(os.environ.get("WKP_RENDER_TIMEOUT", "30"))
WKP_PACK_RENDER_TIMEOUT = float(os.environ.get("WKP_PACK_RENDER_TIMEOUT", "120"))
WKP_RENDER_MEMORY_MB = int(os.environ.get("WKP_RENDER_MEMORY_MB", "1024"))

# Uploaded files are parsed once, at upload, in a child process like a render's (meetings/
# uploads.py): killed after this many seconds (below a web worker's timeout), limited to this much
# address space (MiB). Refused: more pages than WKP_UPLOAD_MAX_PAGES; PDF streams or .docx parts
# that decode to more than WKP_UPLOAD_MAX_DECODED_MB in all; a .docx whose XML (what the Word
# converter parses, slowly) unpacks to more than WKP_UPLOAD_MAX_DOCX_XML_MB.
WKP_UPLOAD_TIMEOUT = float(os.environ.get("WKP_UPLOAD_TIMEOUT", "20"))
WKP_UPLOAD_MEMORY_MB = int(os.environ.get("WKP_UPLOAD_MEMORY_MB", "1024"))
WKP_UPLOAD_MAX_PAGES = int(os.environ.get("WKP_UPLOAD_MAX_PAGES", "1000"))
WKP_UPLOAD_MAX_DECODED_MB = int(os.environ.get("WKP_UPLOAD_MAX_DECODED_MB", "60"))
WKP_UPLOAD_MAX_DOCX_XML_MB = int(os.environ.get("WKP_UPLOAD_MAX_DOCX_XML_MB", "10"))

# A search statement running longer than this (milliseconds) is stopped by PostgreSQL and the
# member told to narrow the search (meetings/search.py).
WKP_SEARCH_TIMEOUT_MS = int(os.environ.get("WKP_SEARCH_TIMEOUT_MS", "3000"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. The CSP allows nothing inline: scripts and styles come from static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # The nonce is sent only on pages that use it: the rich-text editor's import map.
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
# Idle expiry: a session is saved when it changes, and at least every SESSION_REFRESH_SECONDS
# while it is used (wkp.middleware.SessionRefreshMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", "300"))

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe the health check over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_one_line": {"()": "wkp.log.ExpectedRefusalOneLine"}},
    # LOG_FORMAT=json: one JSON object a line (wkp/log.py), for a log collector.
    "formatters": {"json": {"()": "wkp.log.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if os.environ.get("LOG_FORMAT") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint reports every CSS rule it ignores and every render step; keep errors only.
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "pikepdf": {"level": "WARNING"},
        # A member refused a page (403) is expected: one line, no traceback (wkp/log.py).
        "django.request": {"filters": ["refusal_one_line"]},
    },
}
