"""People, in the app: the list, inviting, each person's access, and accepting an invitation.

Every page but the two emailed links needs `people.can_manage_people` (OPCC staff who
work across all forces, and administrators); the rest is refused with 403. The links
(an invitation, and a new password) are open, since their reader cannot sign in yet:
the single-use token is the credential.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import invitations, passwords, people, services
from accounts.forms import AcceptForm, AccessForm, InviteForm, PeopleFilterForm
from accounts.models import EmailStatus, Invitation, InvitationState, LinkPurpose
from audit.models import AuditEvent, Event
from recommendations.models import Role, User

PAGE_SIZE = 50
ACCESS_EVENTS = (
    Event.PERSON_INVITED,
    Event.INVITATION_RESENT,
    Event.INVITATION_ACCEPTED,
    Event.ACCESS_CHANGED,
    Event.PERSON_DEACTIVATED,
    Event.PERSON_REACTIVATED,
    Event.PASSWORD_LINK_SENT,
    Event.PASSWORD_SET_BY_LINK,
)
NOT_VALID = {
    None: (
        "This invitation link is not valid",
        "It may have been replaced by a newer one: use the link in the latest invitation "
        "email you received, or ask the person who invited you to send it again.",
    ),
    InvitationState.EXPIRED: (
        "This invitation has expired",
        "Ask {by} to send it again: you will get a new link by email.",
    ),
    InvitationState.WITHDRAWN: (
        "This invitation was withdrawn",
        "It can no longer be used. If you think this is a mistake, ask {by}.",
    ),
    InvitationState.ACCEPTED: (
        "This invitation has already been accepted",
        "The account is ready: sign in with the username and password chosen then.",
    ),
}


def _require_manager(request: HttpRequest) -> None:
    if not people.can_manage_people(request.user):
        raise PermissionDenied


def _not_sent_warning(request: HttpRequest, invitation: Invitation) -> None:
    messages.warning(
        request,
        f"The invitation to {invitation.email} is saved, but the email could not be sent "
        f"({invitation.email_error}). Send it again from the list below once the mail "
        "server is working.",
    )


@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = PeopleFilterForm(request.GET or None)
    found = form.people(
        User.objects.select_related("force")
        .prefetch_related("groups")
        .order_by("first_name", "last_name", "username")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = form.invitations(
        Invitation.objects.pending().select_related("force", "invited_by").order_by("-created_at")
    )
    query = request.GET.copy()
    query.pop("page", None)
    now = timezone.now()
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "invitations": [
            (i, i.state(now=now), invitations.can_manage_invitation(request.user, i))
            for i in pending
        ],
        "states": InvitationState,
        "email_status": EmailStatus,
    }
    return render(request, "accounts/people_list.html", context)


@require_http_methods(["GET", "POST"])
def person_invite(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = InviteForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.invitation_create(
                by=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=Role(data["role"]),
                force=data["force"],
                now=timezone.now(),
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if invitation.email_status == EmailStatus.SENT:
                messages.success(request, f"Invitation sent to {invitation.email}.")
            else:
                _not_sent_warning(request, invitation)
            return redirect("accounts:people")
    status = 400 if form.errors else 200
    context = {"form": form, "days": settings.OVERSIGHT_INVITATION_DAYS}
    return render(request, "accounts/person_invite.html", context, status=status)


def _open_invitation(request: HttpRequest, pk: int) -> Invitation:
    _require_manager(request)
    return get_object_or_404(Invitation.objects.pending(), pk=pk)


@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _open_invitation(request, pk)
    try:
        invitation = invitations.invitation_resend(
            invitation=invitation, by=request.user, now=timezone.now(), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if invitation.email_status == EmailStatus.SENT:
            messages.success(
                request,
                f"A new invitation was sent to {invitation.email}; the earlier link no "
                "longer works.",
            )
        else:
            _not_sent_warning(request, invitation)
    return redirect("accounts:people")


@require_POST
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _open_invitation(request, pk)
    try:
        invitations.invitation_withdraw(
            invitation=invitation, by=request.user, now=timezone.now(), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"The invitation to {invitation.email} was withdrawn; its link no longer works.",
        )
    return redirect("accounts:people")


def _person(request: HttpRequest, pk: int) -> User:
    _require_manager(request)
    return get_object_or_404(User.objects.select_related("force").prefetch_related("groups"), pk=pk)


def _access_history(person: User) -> list[AuditEvent]:
    invitation = Invitation.objects.filter(user=person).values_list("pk", flat=True).first()
    about = Q(object_type=User._meta.label, object_id=str(person.pk))
    if invitation is not None:
        about |= Q(object_type=Invitation._meta.label, object_id=str(invitation))
    return list(AuditEvent.objects.filter(about, event__in=ACCESS_EVENTS)[:50])


@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The person, the posts they hold, their access history, and the form to change it."""
    person = _person(request, pk)
    refusal = people.why_not_manageable(request.user, person)
    form = AccessForm(request.POST or None, by=request.user, person=person)
    if request.method == "POST":
        if refusal is not None:
            raise PermissionDenied(refusal)
        if form.is_valid():
            try:
                changes = people.person_access_change(
                    person=person,
                    by=request.user,
                    roles=form.chosen_roles,
                    force=form.cleaned_data["force"],
                    now=timezone.now(),
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if changes:
                    messages.success(
                        request,
                        f"{person}'s access changed. They were signed out and have been "
                        "told by email.",
                    )
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("accounts:person-detail", person.pk)
    context = {
        "person": person,
        "form": form if refusal is None else None,
        "refusal": refusal,
        "roles": people.role_list(people.roles_of(person)),
        "posts": people.posts_held(person),
        "history": _access_history(person),
        "invitation": Invitation.objects.filter(user=person).select_related("invited_by").first(),
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/person_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first, saying what deactivation does and what the person still holds."""
    person = _person(request, pk)
    refusal = people.why_not_manageable(request.user, person)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if not person.is_active:
        messages.info(request, f"{person} is already deactivated.")
        return redirect("accounts:person-detail", person.pk)
    error = None
    if request.method == "POST":
        try:
            people.person_deactivate(
                person=person, by=request.user, now=timezone.now(), request=request
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                f"{person} was deactivated: signed out everywhere, and they can no longer "
                "sign in. They have been told by email.",
            )
            return redirect("accounts:person-detail", person.pk)
    context = {
        "person": person,
        "posts": people.posts_held(person),
        "open_findings": people.open_findings_involving(person),
        "error": error,
    }
    return render(request, "accounts/person_deactivate.html", context, status=409 if error else 200)


@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    refusal = people.why_not_manageable(request.user, person)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if people.person_reactivate(
        person=person, by=request.user, now=timezone.now(), request=request
    ):
        messages.success(
            request, f"{person} was reactivated and can sign in again. They have been told."
        )
    else:
        messages.info(request, f"{person} is already active.")
    return redirect("accounts:person-detail", person.pk)


@require_POST
def person_password_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Email someone who forgot their password a link to set a new one."""
    person = _person(request, pk)
    refusal = people.why_not_manageable(request.user, person)
    if refusal is not None:
        raise PermissionDenied(refusal)
    try:
        passwords.password_link_send(
            person=person, by=request.user, now=timezone.now(), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"A link to set a new password was emailed to {person.email}. It works once, "
            "for 24 hours.",
        )
    return redirect("accounts:person-detail", person.pk)


@login_not_required
@require_http_methods(["GET", "POST"])
def password_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: choose a new password. Opening it changes nothing."""
    now = timezone.now()
    link = services.email_link_find(token=token, purpose=LinkPurpose.SET_PASSWORD, now=now)
    if link is None or not link.user.is_active:
        return _password_link_not_valid(request)
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = passwords.password_link_use(
                link=link, password=form.cleaned_data["new_password1"], now=now, request=request
            )
        except passwords.LinkSpent:
            return _password_link_not_valid(request)
        messages.success(
            request, f"Your new password is set. Sign in as {person.get_username()} with it."
        )
        return redirect("login")
    context = {"form": form, "username": link.user.get_username()}
    return render(
        request, "accounts/password_link.html", context, status=400 if form.errors else 200
    )


def _password_link_not_valid(request: HttpRequest) -> HttpResponse:
    context = {
        "title": "This link is not valid",
        "text": "It has expired, has already been used, or a newer one was sent. Ask the "
        "OPCC staff who manage Oversight's users to send you another.",
    }
    return render(request, "accounts/invitation_not_valid.html", context, status=404)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: choose a username and password. Opening it changes nothing, so a
    mail filter that follows links cannot spend it."""
    now = timezone.now()
    invitation = invitations.invitation_for_token(token)
    state = invitation.state(now=now) if invitation is not None else None
    if state != InvitationState.PENDING:
        return _not_valid(request, invitation, state)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", {"invitation": invitation})
    form = AcceptForm(
        request.POST or None,
        initial={
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "username": _suggested_username(invitation.email),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = invitations.invitation_accept(
                token=token,
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                now=now,
                request=request,
            )
        except invitations.InvitationNotValid as exc:
            return _not_valid(request, invitation, exc.state)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Your account is ready. Sign in as {person.get_username()} with the "
                "password you chose.",
            )
            return redirect("login")
    context = {"form": form, "invitation": invitation, "scope": people.scope_name(invitation.force)}
    return render(
        request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200
    )


def _not_valid(
    request: HttpRequest, invitation: Invitation | None, state: InvitationState | None
) -> HttpResponse:
    title, text = NOT_VALID[state]
    by = invitation.invited_by if invitation is not None else "the person who invited you"
    return render(
        request,
        "accounts/invitation_not_valid.html",
        {"title": title, "text": text.format(by=by), "accepted": state == InvitationState.ACCEPTED},
        status=404 if state is None else 410,
    )


def _suggested_username(email: str) -> str:
    """Their email address, when it is a valid username that nobody has (most are)."""
    suggested = email.lower()
    try:
        User.username_validator(suggested)
    except ValidationError:
        return ""
    if len(suggested) > 150 or User.objects.filter(username__iexact=suggested).exists():
        return ""
    return suggested
