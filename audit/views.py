import csv

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.models import AuditEvent, Event
from recommendations.exports import neutralise

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name, username, path or record")
    event = forms.ChoiceField(choices=[("", "Any event"), *Event.choices], required=False)
    since = forms.DateField(required=False, widget=DATE_INPUT, label="From")
    until = forms.DateField(required=False, widget=DATE_INPUT, label="To")

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data if self.is_valid() else {}
        if q := (data.get("q") or "").strip():
            events = events.filter(
                Q(username__icontains=q)
                | Q(display_name__icontains=q)
                | Q(path__icontains=q)
                | Q(object_repr__icontains=q)
            )
        if data.get("event"):
            events = events.filter(event=data["event"])
        if data.get("since"):
            events = events.filter(at__date__gte=data["since"])
        if data.get("until"):
            events = events.filter(at__date__lte=data["until"])
        return events


@require_GET
@permission_required("audit.export_auditevent", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.all())
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request, "audit/audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@require_GET
@permission_required("audit.export_auditevent", raise_exception=True)
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    columns = [
        "at",
        "event",
        "username",
        "display_name",
        "ip_address",
        "method",
        "path",
        "object_type",
        "object_id",
        "object_repr",
        "detail",
    ]
    writer.writerow(columns)
    for row in form.filter(AuditEvent.objects.all()).values_list(*columns).iterator():
        writer.writerow([neutralise(value) for value in row])
    return response
