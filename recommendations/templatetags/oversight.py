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
def ratings(finding: Finding) -> SafeString:
    """The force's RAG and, beside it, the OPCC's own rating. A challenged finding always
    shows the OPCC's view, even one challenged before the OPCC rated findings."""
    html = format_html('<span class="visually-hidden">Force: </span>{}', rag_badge(finding.rag))
    if finding.opcc_rag:
        html += format_html(
            ' <span class="text-nowrap small">OPCC: {}</span>', rag_badge(finding.opcc_rag)
        )
    elif finding.is_challenged:
        html += mark_safe(' <span class="badge status-challenged">OPCC: challenged</span>')  # nosec
    return html


@register.filter
def overdue_for(due_on: date | None, today: date) -> str:
    """How long overdue, in words: days up to a year, then months and years."""
    if due_on is None or due_on >= today:
        return ""
    days = (today - due_on).days
    if days <= 365:
        return f"{days} day{'s' if days != 1 else ''}"
    months = (today.year - due_on.year) * 12 + today.month - due_on.month
    if today.day < due_on.day:
        months -= 1
    years, months = divmod(months, 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " ".join(parts)


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
