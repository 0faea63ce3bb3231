import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control

from .two_factor import needs_two_factor, second_step_url

logger = logging.getLogger(__name__)


class PrivateCacheMiddleware:
    """Logged-in pages and downloads must never be kept by shared or browser caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # A 204 has no content to keep; its no-store would refuse the page that sent the request
        # the back/forward cache (Chromium: JsNetworkRequestReceivedCacheControlNoStoreResource).
        if user is not None and user.is_authenticated and response.status_code != 204:
            patch_cache_control(response, private=True, no_store=True)
        return response


class SessionRefreshMiddleware:
    """The idle expiry without a database write on every request: a signed-in session is saved
    (which moves its expiry to now + SESSION_COOKIE_AGE and re-sends the cookie) when it changes,
    or when it was last refreshed more than SESSION_REFRESH_SECONDS ago. So a session expires
    between SESSION_COOKIE_AGE minus that interval and SESSION_COOKIE_AGE after its last use.
    Anonymous visitors get no session from this."""

    KEY = "_wkp_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved after the view
        return self.get_response(request)


class TwoFactorMiddleware:
    """A co-ordinator or administrator who has not yet given a second factor sees only the
    two-factor pages and sign-out; every other address sends them there first."""

    OPEN = {"two_factor", "two_factor_setup", "logout", "favicon"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and needs_two_factor(user):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.OPEN:
                return redirect(second_step_url(request))
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuse an over-large request body with 413 from its Content-Length, before anything parses
    it: up to WKP_MAX_BODY_BYTES for anyone (signed in or not), up to WKP_MAX_UPLOAD_BODY_BYTES
    for users who may upload papers (WKP_UPLOAD_PERMISSIONS). Without a Content-Length Django
    reads no body at all; the proxy in front enforces the same maximum for every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        if length > settings.WKP_MAX_BODY_BYTES and not self.may_send(request.user, length):
            return HttpResponse(
                "The request is too large.", status=413, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)

    @staticmethod
    def may_send(user, length):
        return (
            length <= settings.WKP_MAX_UPLOAD_BODY_BYTES
            and user.is_authenticated
            and any(user.has_perm(perm) for perm in settings.WKP_UPLOAD_PERMISSIONS)
        )


class StorageUnavailableMiddleware:
    """A request that needs a stored file while the file store cannot be reached gets 503 with a
    message (and Retry-After), not a 500: nothing is lost, the file is there once the store is
    back. Pages that need no file never touch the store and keep working."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.template.response import TemplateResponse

        from .storage import is_unavailable

        if not is_unavailable(exception):
            return None
        logger.warning("File store unavailable for %s: %s", request.path, exception)
        response = TemplateResponse(
            request, "storage_unavailable.html", {"nav_section": None}, status=503
        )
        response["Retry-After"] = "60"
        return response.render()
