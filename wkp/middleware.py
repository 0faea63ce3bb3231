from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control

from .two_factor import needs_two_factor, second_step_url


class PrivateCacheMiddleware:
    """Logged-in pages and downloads must never be kept by shared or browser caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class TwoFactorMiddleware:
    """A co-ordinator or administrator who has not yet given a second factor sees only the
    two-factor pages and sign-out; every other address sends them there first."""

    OPEN = {"two_factor", "two_factor_setup", "logout"}

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
