from datetime import date, timedelta

import pytest

from recommendations.models import Role
from tests.factories import make_finding, make_report, make_user

TODAY = date(2026, 3, 24)  # a Tuesday, a week before the end of March


@pytest.fixture
def owner(force):
    return make_user(Role.FORCE_LEAD, force=force, username="owner", email="owner@force.example")


@pytest.fixture
def opcc_lead(db):
    return make_user(Role.OPCC_STAFF, username="lead-officer", email="lead@opcc.example")


@pytest.fixture
def cc_office(force):
    return make_user(Role.VIEWER, force=force, username="cc-office", email="cco@force.example")


@pytest.fixture
def report(force):
    return make_report(force=force, published_on=date(2025, 9, 30))


@pytest.fixture
def due_in_a_week(report, owner, opcc_lead):
    return make_finding(report=report, owner=owner, opcc_lead=opcc_lead, due_on=date(2026, 3, 31))


@pytest.fixture
def controlled_smtp(smtp_server, settings):
    """A real SMTP server whose replies each test sets per recipient: Django set up as
    for `smtp_server`, sending to this one instead."""
    from tests.support.smtp import ControlledSmtpServer

    with ControlledSmtpServer() as server:
        settings.EMAIL_PORT = server.port
        yield server


@pytest.fixture
def failed(due_in_a_week, owner):
    """The owner's digest for TODAY, refused for good at its one attempt."""
    from django.utils import timezone

    from reminders import services
    from reminders.models import DeliveryStatus, Digest

    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    Digest.objects.filter(recipient=owner).update(
        status=DeliveryStatus.FAILED,
        failed_at=timezone.now(),
        attempts=1,
        last_error="SMTPRecipientsRefused: 550 5.1.1 No such mailbox",
    )
    return Digest.objects.get(recipient=owner)


def owners_due_in_a_week(report, count: int) -> list:
    """`count` force leads, each owning one recommendation due a week after TODAY."""
    owners = []
    for i in range(count):
        owner = make_user(Role.FORCE_LEAD, force=report.force, email=f"owner{i}@force.example")
        make_finding(report=report, owner=owner, due_on=TODAY + timedelta(days=7))
        owners.append(owner)
    return owners


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server, which a test may stop and start again."""
    from tests.support.processes import RedisServer

    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def services_started(tmp_path):
    """Starts service processes (workers, beat, commands); stops them after the test."""
    from tests.support.processes import Service

    started: list[Service] = []

    def start(args: list[str], env: dict[str, str], name: str) -> Service:
        service = Service(args, env, tmp_path / f"{name}.log").start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
