"""Two-factor sign-in for the people who can change things (django-otp).

Co-ordinators and administrators confirm a six-digit code from an authenticator app after their
password; a single-use backup code does instead when the phone is lost. Someone with no app yet
sets one up at their next sign-in (scan the QR code, confirm one code, note the backup codes). An
administrator who deletes a person's devices in the admin makes them set up again. Members read
only, so a password is enough for them.

Until the second step is done, TwoFactorMiddleware lets such a user reach only these pages and
sign-out. Wrong codes are throttled per device by django-otp (the wait doubles after each).
"""

from base64 import b32encode
from functools import wraps

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .http_methods import require_form_methods

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def needs_two_factor(user):
    """Administrators, and anyone who holds a right to change content (every co-ordinator).

    The permissions are the ones the page's own checks load next (Django caches them on the
    user), so asking costs members no extra query.
    """
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(not perm.split(".", 1)[1].startswith("view_") for perm in user.get_all_permissions())


def second_step_url(request):
    """Where an unverified user is sent, remembering the page they asked for."""
    return f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}"


def safe_next(request, target):
    """`target` if it is a path on this site, else "".

    A path only: `redirect()` takes a bare word ("abc") for the name of a URL and fails to find
    it, and a browser reads any other relative address against the page it is on."""
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return ""


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    return safe_next(request, target) or reverse(settings.LOGIN_REDIRECT_URL)


def _normalise(code):
    return "".join(code.split()).replace("-", "").lower()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The six-digit code your authenticator app shows now, or one of your backup "
        "codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, setting_up=False, **kwargs):
        super().__init__(*args, **kwargs)
        if setting_up:
            self.fields["code"].help_text = "The six-digit code the app shows now."

    def clean_code(self):
        code = _normalise(self.cleaned_data["code"])
        if not code.isalnum():
            raise forms.ValidationError("Enter the code with letters and digits only.")
        return code


def _devices(user, code):
    """The confirmed devices a code could belong to: six digits for the app, else backup codes."""
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    return list(model.objects.devices_for_user(user, confirmed=True))


WRONG_CODE = "That code is not right. Enter the code your app shows now, or an unused backup code."
WRONG_SETUP_CODE = (
    "That code is not right. Check that the app shows the West Kent Partnership entry, then enter "
    "the code it shows now."
)


def _accepting_device(form, user, devices, wrong):
    """The device that accepts the form's code, or None with the reason added to the form."""
    code = form.cleaned_data["code"]
    if devices and all(not device.verify_is_allowed()[0] for device in devices):
        form.add_error("code", "Too many wrong codes. Wait a minute, then enter the newest code.")
        return None
    refused = []
    for device in devices:
        if verify_token(user, device.persistent_id, code) is not None:
            _forget_refusals(refused)
            return device
        refused.append(device)
    form.add_error("code", wrong)
    return None


def _forget_refusals(devices):
    """A right code from one of a person's apps is no wrong guess at their others: put back the
    failure counts the others earned by refusing it (each device still holds them as loaded), so
    signing in with a second phone does not make the first one wait."""
    for device in devices:
        device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])


def _complete(request, device):
    """The second step is done: a new session key (as at any change of privilege), then mark it."""
    request.session.cycle_key()
    otp_login(request, device)


def _to_step(request, url_name):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': _next_url(request)})}")


def second_step_page(*, needs_app):
    """A page of the second sign-in step, for a signed-in user by GET or POST. A user for whom it
    is not the next step goes on: where they were going when no second step is needed (or it is
    done), else to the second step if they have an app, or to setting one up."""

    def decorate(view):
        @require_form_methods
        @login_required
        @wraps(view)
        def page(request):
            user = request.user
            if not needs_two_factor(user) or user.is_verified():
                return redirect(_next_url(request))
            has_app = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
            if has_app != needs_app:
                return _to_step(request, "two_factor" if has_app else "two_factor_setup")
            return view(request)

        return page

    return decorate


@second_step_page(needs_app=True)
def verify(request):
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        device = _accepting_device(form, user, _devices(user, code), WRONG_CODE)
        if device is not None:
            _complete(request, device)
            return redirect(_next_url(request))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "second_step": True},
        status=200 if not form.errors else 400,
    )


def _pending_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()


def _qr_code(device):
    return segno.make(device.config_url, error="m").png_data_uri(scale=5, border=2)


def _spaced(key_b32):
    return " ".join(key_b32[i : i + 4] for i in range(0, len(key_b32), 4))


@second_step_page(needs_app=False)
def setup(request):
    """Set up an authenticator app: a GET only shows; each POST makes one step."""
    user = request.user
    device = _pending_device(user)
    form = CodeForm(setting_up=True)
    if request.method == "POST" and request.POST.get("action") == "start":
        if device is None:
            TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
        return _to_step(request, "two_factor_setup")
    if request.method == "POST" and device is not None:
        form = CodeForm(request.POST, setting_up=True)
        if form.is_valid():
            with transaction.atomic():
                confirmed = _accepting_device(form, user, [device], WRONG_SETUP_CODE)
                if confirmed is not None:
                    codes = _confirm(device)
            if confirmed is not None:
                _complete(request, device)
                return render(
                    request,
                    "registration/two_factor_backup_codes.html",
                    {"codes": codes, "next": _next_url(request), "second_step": True},
                )
    context = {"device": device, "form": form, "next": _next_url(request), "second_step": True}
    if device is not None:
        context["qr_code"] = _qr_code(device)
        context["key"] = _spaced(_b32_key(device))
    return render(
        request,
        "registration/two_factor_setup.html",
        context,
        status=400 if form.errors else 200,
    )


def _b32_key(device):
    return b32encode(device.bin_key).decode()


def _confirm(device):
    """Confirm the app and issue fresh backup codes (any older ones stop working)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    backup = StaticDevice.objects.create(user=device.user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return codes
