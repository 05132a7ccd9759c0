"""Issue 12 item 11 (admin part): second factors and lockouts changed in the admin are
recorded, and the admin never shows a device's secret."""

from __future__ import annotations

from base64 import b32encode

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent, Event
from recommendations.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def pat(db):
    return make_user(Role.OPCC_STAFF, username="pat", email="pat@opcc.example")


def test_removing_a_two_factor_device_in_the_admin_is_recorded(client, administrator, pat):
    one = TOTPDevice.objects.create(user=pat, confirmed=True, name="Phone")
    two = TOTPDevice.objects.create(user=pat, confirmed=True, name="Spare phone")
    client.force_login(administrator)

    client.post(reverse("admin:otp_totp_totpdevice_delete", args=[one.pk]), {"post": "yes"})
    client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
    )

    assert not TOTPDevice.objects.exists()
    removed = AuditEvent.objects.filter(event=Event.TWO_FACTOR_REMOVED).order_by("id")
    assert [(e.user, e.object_id, e.detail["device_owner"]) for e in removed] == [
        (administrator, str(one.pk), "pat"),
        (administrator, str(two.pk), "pat"),
    ]


def test_clearing_a_lockout_in_the_admin_is_recorded(client, superuser):
    attempts = [
        AccessAttempt.objects.create(
            username="pat",
            ip_address=address,
            user_agent="browser",
            failures_since_start=5,
            get_data="",
            post_data="",
            http_accept="*/*",
            path_info="/accounts/login/",
        )
        for address in ("192.0.2.1", "192.0.2.2")
    ]
    client.force_login(superuser)

    client.post(reverse("admin:axes_accessattempt_delete", args=[attempts[0].pk]), {"post": "yes"})
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempts[1].pk], "post": "yes"},
    )

    assert not AccessAttempt.objects.exists()
    cleared = AuditEvent.objects.filter(event=Event.LOCKOUT_CLEARED).order_by("id")
    assert [
        (e.user, e.detail["locked_username"], e.detail["locked_ip_address"]) for e in cleared
    ] == [
        (superuser, "pat", "192.0.2.1"),
        (superuser, "pat", "192.0.2.2"),
    ]


def test_a_device_added_in_the_admin_is_recorded_and_announced_to_its_owner(
    client, administrator, pat, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:otp_totp_totpdevice_add"),
            {
                "user": pat.pk,
                "name": "Issued by the service desk",
                "confirmed": "on",
                "key": "3132333435363738393031323334353637383930",
                "step": 30,
                "t0": 0,
                "digits": 6,
                "tolerance": 1,
                "drift": 0,
                "throttling_failure_count": 0,
            },
        )
    assert response.status_code == 302, response.content[-2000:]
    added = AuditEvent.objects.get(event=Event.TWO_FACTOR_ADDED)
    assert (added.user, added.detail["through"], added.detail["device_owner"]) == (
        administrator,
        "administration",
        "pat",
    )
    (notice,) = mailoutbox
    assert notice.to == ["pat@opcc.example"] and "new sign-in device" in notice.subject


def test_the_admin_never_shows_an_existing_devices_secret(client, administrator, pat):
    device = TOTPDevice.objects.create(user=pat, confirmed=True, name="Phone")
    client.force_login(administrator)
    pages = [
        client.get(reverse("admin:otp_totp_totpdevice_changelist")),
        client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert device.key.encode() not in page.content
        assert b32encode(device.bin_key) not in page.content
    assert (
        client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
    )
