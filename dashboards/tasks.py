"""Celery tasks of the dashboard: thin, each calls a service."""

from celery import shared_task
from django.utils import timezone

from dashboards import services


@shared_task(acks_late=True)
def dashboard_counts_warm() -> int:
    return services.dashboard_counts_warm(today=timezone.localdate())
