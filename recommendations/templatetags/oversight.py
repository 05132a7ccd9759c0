from datetime import date

from django import template

from recommendations.models import Report

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
