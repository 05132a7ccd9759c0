"""Sent reminders' "Send again" for failed digests: who may, what it changes, the audit."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reminders import services
from reminders.models import DeliveryStatus, Digest
from tests.reminders.conftest import TODAY
from tests.test_permission_matrix import client_for

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "viewer", "lead", "other_lead", "outsider", "opcc", "administrator")
# POST "Send again" on a failed digest of a person in the test force.
RETRY = {
    "anonymous": 302,  # to sign in
    "viewer": 403,
    "lead": 403,
    "other_lead": 403,
    "outsider": 404,  # OPCC staff of another force: not one of the digests they can see
    "opcc": 302,
    "administrator": 302,
}


def state() -> tuple:
    return (
        tuple(Digest.objects.order_by("pk").values_list("status", "to", "next_attempt_at")),
        AuditEvent.objects.filter(object_type="reminders.Digest").count(),
    )


@pytest.mark.parametrize("who", WHO)
def test_who_may_send_a_failed_digest_again(request, failed, who):
    before = state()
    url = reverse("reminders:digest-retry", args=[failed.pk])
    response = client_for(request, who).post(url)
    assert response.status_code == RETRY[who]
    if who == "anonymous":
        assert response.url.startswith(reverse("login"))
    if RETRY[who] == 302 and who != "anonymous":
        digest = Digest.objects.get(pk=failed.pk)
        assert digest.status == DeliveryStatus.PENDING and digest.failed_at is None
        event = AuditEvent.objects.get(object_type="reminders.Digest", object_id=str(failed.pk))
        assert event.user == request.getfixturevalue(who)
        assert event.detail["action"] == "retry delivery"
    else:
        assert state() == before, "a refused retry changed something"


def test_send_again_is_post_only(client, opcc, failed):
    client.force_login(opcc)
    assert client.get(reverse("reminders:digest-retry", args=[failed.pk])).status_code == 405
    assert Digest.objects.get(pk=failed.pk).status == DeliveryStatus.FAILED


def test_send_again_goes_to_the_current_address_and_is_delivered(
    client, opcc, owner, failed, smtp_server
):
    owner.email = "owner.new@force.example"
    owner.save()
    client.force_login(opcc)
    page = client.get(reverse("reminders:sent"), {"status": "failed"})
    assert b"Send again" in page.content
    client.post(reverse("reminders:digest-retry", args=[failed.pk]))
    assert services.digests_send(today=TODAY) == {"sent": 1}
    assert smtp_server.sink.to("owner.new@force.example")


def test_only_a_failed_digest_can_be_sent_again(client, opcc, failed):
    Digest.objects.filter(pk=failed.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), failed_at=None
    )
    client.force_login(opcc)
    response = client.post(reverse("reminders:digest-retry", args=[failed.pk]), follow=True)
    assert services.RETRY_NOT_FAILED in response.content.decode()
    assert "will be sent again" not in response.content.decode()
    assert Digest.objects.get(pk=failed.pk).status == DeliveryStatus.SENT
    assert not AuditEvent.objects.filter(object_type="reminders.Digest").exists()


def test_a_digest_whose_reminders_went_elsewhere_is_not_sent_again(client, opcc, failed):
    failed.reminders.update(digest=None)
    client.force_login(opcc)
    response = client.post(reverse("reminders:digest-retry", args=[failed.pk]), follow=True)
    assert services.RETRY_NOTHING_LEFT in response.content.decode()
    assert Digest.objects.get(pk=failed.pk).status == DeliveryStatus.FAILED
