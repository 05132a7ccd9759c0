"""Roles are groups made by a migration; access is denied unless a role grants it."""

import pytest
from django.contrib.auth.models import Group

from recommendations import permissions
from recommendations.models import Force, Role
from recommendations.reference_data import TERRITORIAL_FORCES
from recommendations.workflow import Transition
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db

WRITE = "recommendations.change_finding"
VIEW = "recommendations.view_finding"
ASSURE = "recommendations.assure_finding"
CLOSE = "recommendations.close_finding"
PROGRESS = "recommendations.report_progress"
MANAGE_USERS = "recommendations.change_user"


def test_the_migration_creates_the_four_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_the_43_territorial_forces_are_shipped_as_data():
    names = set(Force.objects.filter(is_territorial=True).values_list("name", flat=True))
    assert names == set(TERRITORIAL_FORCES)
    assert len(names) == 43


@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (Role.VIEWER, {VIEW}, {WRITE, ASSURE, CLOSE, PROGRESS, MANAGE_USERS}),
        (Role.FORCE_LEAD, {VIEW, PROGRESS}, {WRITE, ASSURE, CLOSE, MANAGE_USERS}),
        (Role.OPCC_STAFF, {VIEW, WRITE, ASSURE, CLOSE, PROGRESS}, {MANAGE_USERS}),
        (Role.ADMINISTRATOR, {VIEW, WRITE, ASSURE, CLOSE, PROGRESS, MANAGE_USERS}, set()),
    ],
)
def test_role_permissions(role, granted, refused):
    user = make_user(role)
    assert all(user.has_perm(p) for p in granted)
    assert not any(user.has_perm(p) for p in refused)


def test_a_user_without_a_role_can_do_nothing(force):
    user = make_user(None, force=force)
    finding = make_finding(report=make_report(force=force))
    # Owner from before their role was taken away (the services refuse one with no role).
    finding.owner = user
    assert not permissions.can_view(user, finding)
    assert not permissions.can_report_progress(user, finding)
    assert not any(permissions.can_apply(user, finding, t) for t in Transition)


def test_a_deactivated_user_loses_every_permission(opcc, force):
    finding = make_finding(report=make_report(force=force))
    opcc.is_active = False
    opcc.save()
    assert not permissions.can_view(opcc, finding)


def test_force_scoping_hides_other_forces(force, other_force, outsider, viewer):
    mine = make_finding(report=make_report(force=force))
    theirs = make_finding(report=make_report(force=other_force))
    from recommendations.models import Finding

    assert list(Finding.objects.visible_to(viewer)) == [mine]
    assert list(Finding.objects.visible_to(outsider)) == [theirs]
    assert permissions.can_view(viewer, mine) and not permissions.can_view(viewer, theirs)


def test_unscoped_opcc_staff_see_every_force(force, other_force, opcc):
    from recommendations.models import Finding

    make_finding(report=make_report(force=force))
    make_finding(report=make_report(force=other_force))
    assert Finding.objects.visible_to(opcc).count() == 2


def test_national_reports_are_visible_to_scoped_users(force, viewer):
    from recommendations.models import Report

    national = make_report(force=None, kind="thematic")
    assert national in Report.objects.visible_to(viewer)


@pytest.mark.parametrize(
    ("who", "transition", "allowed"),
    [
        ("lead", Transition.REPORT_COMPLETE, True),
        ("other_lead", Transition.REPORT_COMPLETE, False),
        ("lead", Transition.ASSURE, False),
        ("lead", Transition.CLOSE, False),
        ("viewer", Transition.START, False),
        ("opcc", Transition.ASSURE, True),
        ("opcc", Transition.CLOSE, True),
        ("outsider", Transition.ASSURE, False),
    ],
)
def test_who_may_apply_which_transition(request, force, who, transition, allowed):
    user = request.getfixturevalue(who)
    owner = request.getfixturevalue("lead")
    finding = make_finding(report=make_report(force=force), owner=owner)
    assert permissions.can_apply(user, finding, transition) is allowed


def test_permissions_load_in_one_query_and_match_djangos_backend(django_assert_num_queries):
    from django.contrib.auth.backends import ModelBackend

    from accounts.backends import ModelBackendOneQuery
    from recommendations.models import User

    for role in Role:
        user = make_user(role)
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(1):
            ours = ModelBackendOneQuery().get_all_permissions(fresh)
        assert ours == ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
    superuser = make_user(None, is_superuser=True)
    assert ModelBackendOneQuery().get_all_permissions(superuser) >= {"audit.export_auditevent"}


def test_signed_in_person_loads_with_force_permissions_and_roles_in_one_query(
    force, django_assert_num_queries
):
    """Every page needs the person, their force, permissions and role names (the menu)."""
    from django.contrib.auth.backends import ModelBackend

    from accounts.backends import ModelBackendOneQuery

    user = make_user(Role.FORCE_LEAD, force=force)
    with django_assert_num_queries(1):
        loaded = ModelBackendOneQuery().get_user(user.pk)
        assert loaded.force == force
        assert loaded.role_names == [Role.FORCE_LEAD.value]
        assert loaded.has_perm("recommendations.add_progressupdate")
        assert not loaded.has_perm("recommendations.change_report")
    assert loaded.get_all_permissions() == ModelBackend().get_all_permissions(
        type(user).objects.get(pk=user.pk)
    )


def test_inactive_or_missing_people_are_not_loaded(force):
    from accounts.backends import ModelBackendOneQuery

    user = make_user(Role.VIEWER, force=force, is_active=False)
    assert ModelBackendOneQuery().get_user(user.pk) is None
    assert ModelBackendOneQuery().get_user(user.pk + 1000) is None


def test_a_superuser_loaded_this_way_still_holds_every_permission():
    from accounts.backends import ModelBackendOneQuery

    superuser = make_user(None, is_superuser=True)
    loaded = ModelBackendOneQuery().get_user(superuser.pk)
    assert loaded.has_perm("audit.export_auditevent")
    assert loaded.has_perm("recommendations.delete_report")
