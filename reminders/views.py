from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recommendations.models import User
from recommendations.views.common import refuse_unseen
from reminders import calendar, emails, items, schedule, services, team
from reminders.forms import PreferenceForm, ScheduleForm, TeamAddressForm
from reminders.models import (
    CalendarFeed,
    DeliveryStatus,
    Digest,
    ReminderKind,
    ReminderPreference,
    ScanRecord,
)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Every signed-in person manages their own reminders and calendar feed."""
    preference, _ = ReminderPreference.objects.get_or_create(user=request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your reminder preferences are saved.")
        return redirect("reminders:preferences")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "reminders/preferences.html",
        {"form": form, "feed": feed, "new_feed_url": request.session.pop("new_feed_url", None)},
    )


@require_POST
def calendar_issue(request: HttpRequest) -> HttpResponse:
    _feed, token = CalendarFeed.issue(request.user)
    # Shown once: only a hash of the token is kept.
    request.session["new_feed_url"] = CalendarFeed.url_for(token)
    messages.success(
        request, "Your calendar address is ready. Any earlier address has stopped working."
    )
    return redirect("reminders:preferences")


@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    CalendarFeed.objects.filter(user=request.user).delete()
    messages.success(request, "Your calendar address has been switched off.")
    return redirect("reminders:preferences")


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Calendar programs cannot sign in: the secret token in the address is the credential."""
    feed = CalendarFeed.for_token(token)
    if feed is None:
        raise Http404
    today = timezone.localdate()
    feed.touch(today)
    response = HttpResponse(
        calendar.feed_for(feed.user, today=today), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def digest_section(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One section of a person's own digest, whole: the email lists only the most urgent
    items of each kind and links here for the rest. Nobody else's digest, whatever
    their role: it says what one person is being chased for. The OPCC team address's
    digests are the exception: OPCC staff read that mailbox."""
    digest = Digest.objects.filter(pk=pk, recipient=request.user).first()
    if digest is None and request.user.has_perm("reminders.view_delivery"):
        # The team address's digest is read by OPCC staff; each sees the lines of the
        # forces they may see (`emails.digest_section`).
        digest = Digest.objects.filter(pk=pk, recipient__isnull=True).first()
    if digest is None:
        raise refuse_unseen(request, Digest, pk)
    if kind not in ReminderKind.values:
        raise Http404("Digests have no section of that kind.")
    lines = emails.digest_section(digest, kind, viewer=request.user, today=timezone.localdate())
    context = {
        "digest": digest,
        "label": ReminderKind(kind).label,
        "page": Paginator(lines, 50).get_page(request.GET.get("page")),
    }
    return render(request, "reminders/digest_section.html", context)


@require_GET
@permission_required("reminders.view_delivery", raise_exception=True)
def sent_reminders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    visible = _visible_digests(request.user)
    digests = visible.select_related("recipient").annotate(
        items=Count("reminders", filter=Q(reminders__cancelled=False))
    )
    if status in DeliveryStatus.values:
        digests = digests.filter(status=status)
    digests = digests.order_by("-digest_date", "-created_at", "pk")
    page = Paginator(digests, 50).get_page(request.GET.get("page"))
    counts = dict(visible.values_list("status").annotate(n=Count("pk")))
    context = {
        "page": page,
        "status": status,
        "statuses": DeliveryStatus.choices,
        "counts": counts,
        "health": reminder_health(),
        "query": f"status={status}" if status else "",
    }
    return render(request, "reminders/sent_reminders.html", context)


def reminder_health(*, now: datetime | None = None) -> dict[str, object]:
    """What the health endpoint and Sent reminders say. Every threshold is a setting."""
    now = now or timezone.now()
    last = ScanRecord.objects.order_by("-finished_at").first()
    stale_after = timedelta(minutes=settings.OVERSIGHT_SCAN_STALE_MINUTES)
    # An outage shows as digests waiting, however their backoff moves their next try.
    oldest = Digest.objects.undelivered().aggregate(oldest=Min("created_at"))["oldest"]
    waiting = int((now - oldest).total_seconds() // 60) if oldest else 0
    # Failures within a window, so one address refused for good does not mask the next
    # incident by keeping the check red for ever (Sent reminders lists them all).
    since = now - timedelta(hours=settings.OVERSIGHT_FAILED_ALERT_HOURS)
    failed = Digest.objects.filter(status=DeliveryStatus.FAILED, failed_at__gte=since).count()
    skipped = last.skipped if last else 0
    problems = []
    if last is None or now - last.finished_at > stale_after:
        problems.append("The reminder scan has not run recently.")
    if oldest and waiting >= settings.OVERSIGHT_UNDELIVERED_ALERT_MINUTES:
        problems.append(f"A digest has waited {waiting} minutes to be delivered.")
    if failed:
        problems.append(
            f"{failed} digest(s) failed in the last {settings.OVERSIGHT_FAILED_ALERT_HOURS} hours."
        )
    if skipped:
        problems.append(f"The last scan skipped {skipped} item(s) it could not read (see the log).")
    unaddressed = last.unaddressed if last else 0
    if unaddressed:
        problems.append(
            f"The last scan found {unaddressed} reminder(s) of deadlines no one owns, and no "
            "OPCC team address to send them to."
        )
    return {
        "ok": not problems,
        "last_scan": last.finished_at.isoformat() if last else None,
        "oldest_undelivered_minutes": waiting,
        "failed": failed,
        "skipped": skipped,
        "unaddressed": unaddressed,
        "pending": Digest.objects.filter(status=DeliveryStatus.PENDING).count(),
        "problems": problems,
    }


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For monitoring: 503 when the scan is stale or skipped an item, a digest has waited
    too long or one has failed recently.

    Counts only: nothing here identifies a person or a finding.
    """
    report = reminder_health()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@require_POST
@permission_required("reminders.view_delivery", raise_exception=True)
def digest_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed digest again. Staff scoped to a force may retry only the digests of
    that force's people, the ones Sent reminders shows them; others are 404."""
    if not _visible_digests(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        services.digest_retry(digest_id=pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The digest will be sent again within a minute.")
    return redirect(f"{reverse('reminders:sent')}?status=failed")


def _visible_digests(user: User) -> QuerySet[Digest]:
    if user.force_id is not None:
        # Staff scoped to a force see the digests of people of that force only.
        return Digest.objects.filter(recipient__force_id=user.force_id)
    return Digest.objects.all()


@require_http_methods(["GET", "POST"])
@permission_required("reminders.change_reminderschedule", raise_exception=True)
def schedule_edit(request: HttpRequest) -> HttpResponse:
    """OPCC staff set when reminders go out; the next scan uses the new schedule.

    One schedule serves every force, so only people who work across all forces may
    change it: staff scoped to one force would be deciding for the others.
    """
    if request.user.force_id is not None:
        raise PermissionDenied
    in_force = schedule.current()
    form = ScheduleForm(request.POST or None, instance=in_force)
    form.fields["seen"].initial = schedule.stamp(in_force)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in ScheduleForm.Meta.fields}
            try:
                schedule.save(values, seen=form.cleaned_data["seen"])
            except schedule.ScheduleChanged:
                messages.error(
                    request,
                    "Someone changed the schedule while you had it open, so your change was "
                    "not saved. This is the schedule now: make your change again.",
                )
                in_force = schedule.current()
                form = ScheduleForm(instance=in_force)
                form.fields["seen"].initial = schedule.stamp(in_force)
                status = 409
            else:
                messages.success(
                    request,
                    "The reminder schedule is saved. The next scan (within minutes) uses it.",
                )
                return redirect("reminders:schedule")
        else:
            status = 400
    return render(
        request,
        "reminders/schedule.html",
        {"form": form, "schedule": in_force},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required("reminders.change_teamaddress", raise_exception=True)
def team_address_edit(request: HttpRequest) -> HttpResponse:
    """OPCC staff who work across all forces set the team address; the next scan uses it.
    Like the schedule, one address serves every force."""
    if request.user.force_id is not None:
        raise PermissionDenied
    in_force = team.current()
    form = TeamAddressForm(request.POST or None, instance=in_force)
    form.fields["seen"].initial = team.stamp(in_force)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team.save(form.cleaned_data["address"], seen=form.cleaned_data["seen"])
            except team.AddressChanged:
                messages.error(request, TEAM_ADDRESS_CHANGED)
                in_force = team.current()
                form = TeamAddressForm(instance=in_force)
                form.fields["seen"].initial = team.stamp(in_force)
                status = 409
            else:
                messages.success(request, "The team address is saved. The next scan uses it.")
                return redirect("reminders:team-address")
        else:
            status = 400
    context = {
        "form": form,
        "team": in_force,
        "from_setting": not in_force.pk and bool(in_force.address),
        "unowned": _unowned_open_deadlines(),
    }
    return render(request, "reminders/team_address.html", context, status=status)


TEAM_ADDRESS_CHANGED = (
    "Someone changed the team address while you had it open, so your change was not "
    "saved. This is the address now: make your change again."
)


def _unowned_open_deadlines() -> int:
    """Deadlines the team address is reminded of now: active, dated and unowned."""
    return items.deadline_findings().unowned().count()
