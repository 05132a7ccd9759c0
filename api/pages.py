"""Where a person makes and revokes their own API tokens (signed in, as any page)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens
from api.models import ApiToken
from recommendations.forms import PlainTextMixin

# A session key, not a secret.
NEW_TOKEN = "api:new-token"  # nosec B105


class TokenForm(PlainTextMixin, forms.Form):
    name = forms.CharField(
        max_length=100, help_text='What it is for, for example "Power BI: monthly board report".'
    )
    days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=tokens.MAX_DAYS, initial=90
    )


def _may_use_api(request: HttpRequest) -> None:
    if not request.user.has_perm("recommendations.view_finding"):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    _may_use_api(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = tokens.token_issue(
                request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown once, on the next page: only its hash is kept.
            request.session[NEW_TOKEN] = raw
            messages.success(request, "Your token is ready. Copy it now: it is not shown again.")
            return redirect("api:tokens")
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
        "new_token": request.session.pop(NEW_TOKEN, None),
    }
    return render(request, "api/tokens.html", context)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _may_use_api(request)
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.token_revoke(token, by=request.user)
    messages.success(request, f"“{token.name}” no longer works.")
    return redirect("api:tokens")
