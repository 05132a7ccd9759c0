"""Findings are owned by posts; whoever holds the post is the owner, and a handover moves
everything at once (issue 16, item 2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from recommendations import assignment, permissions, services
from recommendations.models import Action, Finding, Post, PostHolding, Role
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(force, lead, opcc):
    post = Post.objects.create(title="ACC Crime", force=force)
    return assignment.post_hand_over(post=post, holder=lead, on=date(2026, 1, 5), by=opcc)


@pytest.fixture
def owned(force, post, opcc):
    report = make_report(force=force)
    return [
        make_finding(report=report, owner_post=post, due_on=date(2026, 6, day)) for day in (1, 2, 3)
    ]


def test_a_finding_owned_by_a_post_is_owned_by_its_holder(owned, lead, client):
    assert {f.owner for f in owned} == {lead}
    client.force_login(lead)
    response = client.get(reverse("recommendations:finding-detail", args=[owned[0].pk]))
    assert "ACC Crime (" in response.content.decode()


def test_a_handover_moves_every_finding_and_action_at_once(post, owned, lead, other_lead, opcc):
    action = Action.objects.create(finding=owned[0], description="Train staff", owner_post=post)
    Action.objects.filter(pk=action.pk).update(owner=lead)
    assignment.post_hand_over(post=post, holder=other_lead, on=date(2026, 3, 1), by=opcc)

    assert set(Finding.objects.values_list("owner", flat=True)) == {other_lead.pk}
    assert Finding.objects.filter(version=2).count() == 3  # a stale edit is refused
    action.refresh_from_db()
    assert action.owner == other_lead
    latest = owned[0].history.first()
    assert latest.history_change_reason == f"ACC Crime handed over to {other_lead}"
    assert latest.history_user == opcc
    held = list(PostHolding.objects.filter(post=post).order_by("started_on"))
    assert [(h.holder, h.started_on, h.ended_on) for h in held] == [
        (lead, date(2026, 1, 5), date(2026, 3, 1)),
        (other_lead, date(2026, 3, 1), None),
    ]
    # Permissions follow the holder.
    finding = Finding.objects.get(pk=owned[0].pk)
    assert permissions.can_report_progress(other_lead, finding)
    assert not permissions.can_report_progress(lead, finding)


def test_a_vacant_post_owns_with_nobody_to_hold_it(post, owned, opcc):
    assignment.post_hand_over(post=post, holder=None, on=date(2026, 3, 1), by=opcc)
    assert not Finding.objects.filter(owner__isnull=False).exists()
    assert Post.objects.get(pk=post.pk).label == "ACC Crime (vacant)"


def test_a_holder_who_cannot_see_the_force_is_refused_and_nothing_moves(
    post, owned, outsider, opcc, lead
):
    with pytest.raises(ValidationError):
        assignment.post_hand_over(post=post, holder=outsider, on=date(2026, 3, 1), by=opcc)
    assert set(Finding.objects.values_list("owner", flat=True)) == {lead.pk}
    assert PostHolding.objects.filter(post=post).count() == 1


def test_a_handover_cannot_predate_the_current_holders_start(post, other_lead, opcc):
    with pytest.raises(ValidationError) as refused:
        assignment.post_hand_over(post=post, holder=other_lead, on=date(2025, 12, 1), by=opcc)
    assert "took the post on 5 January 2026" in str(refused.value)


def test_only_opcc_staff_of_the_force_hand_posts_over(post, other_lead, lead):
    with pytest.raises(PermissionDenied):
        assignment.post_hand_over(post=post, holder=other_lead, on=date(2026, 3, 1), by=lead)


def test_bulk_assignment_is_all_or_nothing(force, owned, opcc, outsider, other_force):
    opcc_post = Post.objects.create(title="OPCC Head of Scrutiny", is_opcc=True)
    assigned = assignment.findings_assign(findings=owned, by=opcc, owner_post=opcc_post)
    assert {f.owner_post for f in assigned} == {opcc_post}
    elsewhere = make_finding(report=make_report(force=other_force), due_on=date(2026, 6, 9))
    with pytest.raises(ValidationError):
        # The lead cannot see the test force's findings: the whole assignment fails.
        assignment.findings_assign(findings=[*owned, elsewhere], by=opcc, opcc_lead=outsider)
    assert not Finding.objects.filter(opcc_lead=outsider).exists()


def test_a_post_of_another_force_cannot_own_a_finding(owned, opcc, other_force):
    theirs = Post.objects.create(title="ACC Crime", force=other_force)
    with pytest.raises(ValidationError) as refused:
        services.finding_update(
            finding=owned[0], expected_version=1, changed_by=opcc, owner_post=theirs
        )
    assert "owner_post" in refused.value.message_dict


def test_posts_are_added_handed_over_and_assigned_through_the_pages(
    client, opcc, force, lead, other_lead
):
    report = make_report(force=force)
    findings = [make_finding(report=report, due_on=date(2026, 7, d)) for d in (1, 2)]
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:post-create"),
        {"title": "Head of Public Protection", "force": force.pk},
    )
    post = Post.objects.get(title="Head of Public Protection")
    assert response.url == reverse("recommendations:post-detail", args=[post.pk])
    response = client.post(
        reverse("recommendations:post-detail", args=[post.pk]),
        {"holder": lead.pk, "on": "2026-02-01"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("recommendations:report-assign", args=[report.pk]),
        {"findings": [f.pk for f in findings], "owner_post": post.pk, "opcc_lead": opcc.pk},
    )
    assert response.status_code == 302
    assert set(Finding.objects.values_list("owner", "opcc_lead")) == {(lead.pk, opcc.pk)}
    client.post(
        reverse("recommendations:post-detail", args=[post.pk]),
        {"holder": other_lead.pk, "on": "2026-04-01"},
    )
    assert set(Finding.objects.values_list("owner", flat=True)) == {other_lead.pk}
    page = client.get(reverse("recommendations:post-detail", args=[post.pk])).content.decode()
    assert str(lead) in page and "1 Apr 2026" in page


def test_the_same_title_twice_in_a_force_is_a_clear_error(client, opcc, force):
    Post.objects.create(title="ACC Crime", force=force)
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:post-create"), {"title": "ACC Crime", "force": force.pk}
    )
    assert response.status_code == 200
    assert "already a post with that title" in response.content.decode()


def test_a_bulk_assignment_page_with_nothing_chosen_says_so(client, opcc, force):
    report = make_report(force=force)
    finding = make_finding(report=report, due_on=date(2026, 7, 1))
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:report-assign", args=[report.pk]), {"findings": [finding.pk]}
    )
    assert response.status_code == 400
    assert "Choose an owner post or an OPCC lead" in response.content.decode()


def test_an_opcc_post_is_held_only_by_opcc_staff(opcc, lead):
    post = Post.objects.create(title="OPCC Head of Scrutiny", is_opcc=True)
    with pytest.raises(ValidationError):
        assignment.post_hand_over(post=post, holder=lead, on=date(2026, 1, 1), by=opcc)
    scrutiny = make_user(Role.OPCC_STAFF, username="scrutiny")
    assignment.post_hand_over(post=post, holder=scrutiny, on=date(2026, 1, 1), by=opcc)
    assert Post.objects.get(pk=post.pk).holder == scrutiny
