"""A force with posts, findings in every state the agenda cares about, and sessions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accountability import services
from accountability.models import Session
from recommendations.models import Post, Role
from tests.factories import make_finding, make_report, make_user

# The meeting's day; the next session is planned eight weeks on unless a test says so.
MEETING = date(2026, 3, 24)


@pytest.fixture
def post(force, lead) -> Post:
    """The post that owns most findings here; `lead` holds it."""
    return Post.objects.create(title="ACC Crime", force=force, holder=lead)


@pytest.fixture
def other_post(force, other_lead) -> Post:
    return Post.objects.create(title="Head of Public Protection", force=force, holder=other_lead)


@pytest.fixture
def report(force):
    """A report whose s.55 response is published, so it is not on the agenda itself."""
    return make_report(
        force=force, published_on=date(2025, 9, 30), response_published_on=date(2025, 11, 20)
    )


@pytest.fixture
def session(force, opcc) -> Session:
    return services.session_create(force=force, held_on=MEETING, by=opcc)


@pytest.fixture
def overdue(report, post):
    return make_finding(
        report=report, owner_post=post, reference="R1", due_on=MEETING - timedelta(days=3)
    )


@pytest.fixture
def pcc(force):
    return make_user(Role.OPCC_STAFF, username="pcc-office")
