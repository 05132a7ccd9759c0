from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group

from recommendations.models import FindingKind, Role, User
from recommendations.roles import PCC_GROUP
from tests.factories import make_finding, make_report, make_user


@pytest.fixture
def pcc(db) -> User:
    """The PCC: OPCC staff's role and the PCC group, which approves responses."""
    user = make_user(Role.OPCC_STAFF, username="the-pcc")
    user.groups.add(Group.objects.get(name=PCC_GROUP))
    return user


@pytest.fixture
def report(force):
    return make_report(force=force, published_on=date(2026, 1, 5), title="Testshire PEEL")


@pytest.fixture
def recommendations(report, lead):
    return [
        make_finding(report=report, reference=f"R{i}", owner=lead, due_on=date(2026, 7, i))
        for i in (1, 2)
    ]


@pytest.fixture
def afi(report):
    return make_finding(report=report, reference="AFI1", kind=FindingKind.AREA_FOR_IMPROVEMENT)
