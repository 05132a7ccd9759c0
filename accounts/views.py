from __future__ import annotations

from base64 import b32encode
from math import ceil
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import LinkPurpose
from accounts.services import LinkSent
from accounts.throttle import WAIT_ATTRIBUTE
from audit.context import client_ip

WRONG_CODE = "That code is not right, or has expired. Enter the current 6-digit code."
LINK_SENT = "We have emailed you a link to set up your second factor."
LINK_ALREADY_SENT = (
    "We emailed you a link to set up your second factor a moment ago. "
    "Please allow a minute before asking for another."
)
NO_EMAIL = (
    "Your account has no email address, so we cannot send you a set-up link. "
    "Ask an Oversight administrator to add it."
)
LINK_NOT_VALID = (
    "That set-up link has expired, has already been used, or belongs to another account. "
    "Ask for a new one below."
)
SIGN_IN_LINK_SENT = (
    "If that username has an email address with us, we have sent a link to it. "
    "It works once, for {minutes} minutes. Open it, then sign in with your password."
)
SIGN_IN_LINK_NOT_VALID = (
    "That sign-in link has expired or has already been used. Ask for a new one below."
)
SIGN_IN_LINK_USED = "You can sign in again now, with your password."
SESSION_SETUP_LINK = "oversight_two_factor_setup_link"
SEND_MESSAGES = {
    LinkSent.SENT: (messages.SUCCESS, LINK_SENT),
    LinkSent.ALREADY_SENT: (messages.INFO, LINK_ALREADY_SENT),
    LinkSent.NO_EMAIL: (messages.ERROR, NO_EMAIL),
}


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label="6-digit code from your authenticator app",
        error_messages={"invalid": "Enter the 6 digits shown in your authenticator app."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_or_home(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "recommendations:home"
    return redirect(target)


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Confirm this sign-in with a code; or, with no device yet, say where the set-up link went.

    The password alone never shows a TOTP secret: that would let whoever stole it
    enrol their own device (issue 12 item 4).
    """
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        link = services.live_setup_link(user=request.user, now=timezone.now())
        return render(
            request,
            "accounts/two_factor_setup_pending.html",
            {"link_sent": link is not None, "has_email": bool(request.user.email)},
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in confirmed.")
            return _next_or_home(request)
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "setting_up": False},
        status=400 if form.errors else 200,
    )


@require_POST
def two_factor_setup_link_send(request: HttpRequest) -> HttpResponse:
    """Send (another) set-up link to the signed-in person's own address."""
    sent = services.two_factor_setup_link_send(
        user=request.user, now=timezone.now(), request=request, again=True
    )
    if sent in SEND_MESSAGES:
        level, text = SEND_MESSAGES[sent]
        messages.add_message(request, level, text)
    return redirect("accounts:two-factor")


@require_GET
def two_factor_setup_link(request: HttpRequest, token: str) -> HttpResponse:
    """Where the emailed link lands: check it, then carry on without the token in the URL.

    Opening it does nothing else, so a mail filter that follows links (it is not
    signed in as this person) cannot spend it.
    """
    link = services.email_link_find(
        token=token, purpose=LinkPurpose.TWO_FACTOR_SETUP, now=timezone.now()
    )
    if link is None or link.user_id != request.user.pk:
        messages.error(request, LINK_NOT_VALID)
        return redirect("accounts:two-factor")
    request.session[SESSION_SETUP_LINK] = link.pk
    return redirect("accounts:two-factor-setup")


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Show the secret and confirm the first code, for someone who opened a set-up link."""
    now = timezone.now()
    link = services.live_setup_link(
        user=request.user, now=now, pk=request.session.get(SESSION_SETUP_LINK, 0)
    )
    if services.has_confirmed_device(request.user):
        return redirect("accounts:two-factor")
    if link is None:
        messages.error(request, LINK_NOT_VALID)
        return redirect("accounts:two-factor")
    device = services.totp_device_for_setup(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            try:
                services.two_factor_enrol(
                    user=request.user, device=device, link=link, now=now, request=request
                )
            except services.SetupLinkSpent:
                messages.error(request, LINK_NOT_VALID)
                return redirect("accounts:two-factor")
            request.session.pop(SESSION_SETUP_LINK, None)
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect("recommendations:home")
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "setting_up": True,
        "secret": b32encode(device.bin_key).decode(),
        "config_url": device.config_url,
    }
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


class SignInLinkForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for an emailed link that lifts a lockout; the answer never says whether it went."""
    form = SignInLinkForm(request.POST or None, initial={"username": request.GET.get("username")})
    if request.method == "POST" and form.is_valid():
        services.sign_in_link_send(
            username=form.cleaned_data["username"],
            ip_address=client_ip(request),
            now=timezone.now(),
            request=request,
        )
        messages.info(
            request, SIGN_IN_LINK_SENT.format(minutes=settings.OVERSIGHT_EMAIL_LINK_MINUTES)
        )
        return redirect("login")
    return render(request, "registration/sign_in_link_request.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Opening it only shows a button (mail filters follow links);
    the button spends it and lifts the lock, and the password is asked for as usual."""
    now = timezone.now()
    link = services.email_link_find(token=token, purpose=LinkPurpose.SIGN_IN, now=now)
    if link is not None and request.method == "POST":
        if services.sign_in_link_use(
            link=link, ip_address=client_ip(request), now=now, request=request
        ):
            messages.success(request, SIGN_IN_LINK_USED)
            return redirect("login")
        link = None  # spent by another click a moment ago
    if link is None:
        return render(
            request,
            "registration/sign_in_link_request.html",
            {"form": SignInLinkForm(), "link_not_valid": SIGN_IN_LINK_NOT_VALID},
            status=404,
        )
    return render(request, "registration/sign_in_link.html", {"username": link.user.get_username()})


def sign_in_refused(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): locked, or asked to wait."""
    wait = getattr(request, WAIT_ATTRIBUTE, None)
    cooloff = settings.AXES_COOLOFF_TIME.total_seconds()
    context = {
        "username": request.POST.get("username", "")[:150],
        "wait": _duration(wait) if wait else None,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff": _duration(cooloff),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(wait or cooloff))
    return response


def _duration(seconds: float) -> str:
    if seconds < 120:
        whole = ceil(seconds)
        return f"{whole} second{'s' if whole != 1 else ''}"
    return f"{ceil(seconds / 60)} minutes"
