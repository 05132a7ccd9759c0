"""The pages that exist so far: sign-in, my work, and the Django admin."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Finding, Role
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get(reverse("recommendations:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_page_renders_with_labels(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'for="id_username"' in response.content
    assert b"Skip to main content" in response.content


def test_my_work_lists_my_overdue_and_due_soon_findings(client, force, lead, other_lead):
    today = timezone.localdate()
    report = make_report(force=force)
    overdue = make_finding(report=report, owner=lead, due_on=today - timedelta(days=3))
    soon = make_finding(report=report, owner=lead, due_on=today + timedelta(days=5))
    someone_elses = make_finding(report=report, owner=other_lead, due_on=today - timedelta(days=3))
    client.force_login(lead)
    response = client.get(reverse("recommendations:home"))
    assert list(response.context["overdue"]) == [overdue]
    assert list(response.context["due_soon"]) == [soon]
    assert someone_elses.reference.encode() not in response.content
    assert b"Force lead" in response.content
    assert force.name.encode() in response.content


def test_my_work_shows_nothing_to_a_user_without_a_role(client, force):
    user = make_user(None, force=force)
    owned = make_finding(report=make_report(force=force), due_on=date(2020, 1, 1))
    # Assigned while they had a role; the role has since been taken away.
    Finding.objects.filter(pk=owned.pk).update(owner=user)
    client.force_login(user)
    response = client.get(reverse("recommendations:home"))
    assert list(response.context["overdue"]) == []
    assert b"You have no role yet" in response.content


def test_the_demo_banner_shows_in_demo_mode(client, opcc, settings):
    settings.DEMO_MODE = True
    client.force_login(opcc)
    assert b"Demonstration data." in client.get(reverse("recommendations:home")).content


@pytest.fixture
def seeded(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", "--password", "illustrative-demo-pass", stdout=StringIO())


@pytest.mark.parametrize("model", list(apps.get_app_config("recommendations").get_models()))
def test_every_model_has_a_working_admin_list_with_search(client, seeded, model):
    from django.contrib import admin

    if model not in admin.site._registry:
        assert model.__name__.startswith("Historical") or model._meta.auto_created
        return
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    if admin.site._registry[model].search_fields:
        assert client.get(url, {"q": "child"}).status_code == 200


def test_finding_admin_change_page_keeps_workflow_fields_read_only(client, seeded):
    from recommendations.models import Finding

    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    finding = Finding.objects.filter(due_on__isnull=False).first()
    response = client.get(reverse("admin:recommendations_finding_change", args=[finding.pk]))
    assert response.status_code == 200
    assert b'name="status"' not in response.content
    assert b'name="due_on"' not in response.content
    assert b'name="text"' in response.content


def test_sign_out_ends_the_session(client, opcc):
    client.force_login(opcc)
    assert client.get(reverse("recommendations:home")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # sign-out is a POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("recommendations:home")).status_code == 302


def test_password_change_enforces_the_password_policy(client, opcc):
    opcc.set_password("old-password-long-enough")
    opcc.save()
    client.force_login(opcc)
    url = reverse("password_change")
    weak = client.post(
        url,
        {
            "old_password": "old-password-long-enough",
            "new_password1": "short",
            "new_password2": "short",
        },
    )
    assert b"too short" in weak.content
    response = client.post(
        url,
        {
            "old_password": "old-password-long-enough",
            "new_password1": "a sensible long passphrase",
            "new_password2": "a sensible long passphrase",
        },
    )
    assert response.status_code == 302
    opcc.refresh_from_db()
    assert opcc.check_password("a sensible long passphrase")
