from datetime import date

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
