from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from recommendations.models import Finding, Rag, Report

register = template.Library()


@register.filter
def s55_days_left(report: Report, today: date) -> int | None:
    return report.response_days_left(today=today)


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def overdue_days(due_on: date | None, today: date) -> int:
    return (today - due_on).days if due_on else 0


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key) if hasattr(mapping, "get") else None


# Badges are filters rather than includes: a list page shows dozens of them, and
# each {% include %} costs a template context and render of its own.


@register.filter
def status_badge(finding: Finding) -> SafeString:
    badge = format_html(
        '<span class="badge status-badge status-{}">{}</span>',
        finding.status,
        finding.get_status_display(),
    )
    if finding.is_challenged:
        badge += mark_safe(' <span class="badge status-challenged">Challenged</span>')  # nosec
    return badge


@register.filter
def rag_badge(rag: str) -> SafeString:
    if not rag:
        return mark_safe('<span class="text-body-secondary">Not rated</span>')  # nosec
    return format_html(
        '<span class="badge rag rag-{}">'
        '<span class="rag-shape" aria-hidden="true"></span>{}</span>',
        rag,
        Rag(rag).label,
    )


@register.filter
def due_badge(finding: Finding, today: date | None = None) -> SafeString:
    if not finding.due_on:
        return mark_safe('<span class="text-body-secondary">No deadline</span>')  # nosec
    html = format_html('<span class="text-nowrap">{}</span>', date_format(finding.due_on, "j M Y"))
    if finding.due_date_revised:
        original = (
            date_format(finding.original_due_on, "j M Y") if finding.original_due_on else "none"
        )
        html += format_html(
            ' <span class="badge text-bg-light border" title="Original due date {}">revised</span>',
            original,
        )
    if today and finding.is_overdue(today=today):
        html += mark_safe(' <span class="badge overdue-badge">Overdue</span>')  # nosec
    return html
