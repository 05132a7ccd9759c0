"""The letter review screen and "My drafts" through the test client: who may use them, a
letter recorded all at once or not at all, and bad input answered plainly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Event
from intake import letters
from intake.models import Letter, LetterOutcome, ReviewDraft
from recommendations.models import Finding, Status
from tests.intake.conftest import intake_url
from tests.intake.letters import CLOSURE, REVISIT, REVISIT_UNTRACKED, tracked_custody_findings

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(force):
    return tracked_custody_findings(force)


def letter_url(report) -> str:
    return reverse("intake:report-letter-review", args=[report.pk])


def paste(client: Client, report, text: str):
    return client.post(intake_url(report), {"text": text, "published_on": ""})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def choices_as_shown(client: Client, report) -> dict[str, str]:
    """The form as the screen fills it in: each field's initial value."""
    response = client.get(letter_url(report))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {
        k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in data.items()
    }
    return data | {"op": "record", "draft": response.context["stored"].pk}


def state() -> tuple:
    return (
        tuple(Finding.objects.order_by("pk").values_list("pk", "status", "version")),
        Letter.objects.count(),
        LetterOutcome.objects.count(),
        AuditEvent.objects.filter(event=Event.LETTER_RECORDED).count(),
    )


# ---------------------------------------------------------------- the screen


def test_a_pasted_closure_letter_is_reviewed_as_a_letter_with_its_matches_and_scores(world, opcc):
    client = signed_in(opcc)
    response = paste(client, world["report"], CLOSURE)
    assert response.status_code == 302
    assert response.url == letter_url(world["report"])
    page = client.get(response.url).content.decode()
    assert "Closure letter" in page
    assert "Proposed match: <strong>CoC1</strong>" in page
    assert "% similar" in page
    # Nothing is changed by reading it.
    assert Finding.objects.get(pk=world["coc"].pk).status == Status.IN_PROGRESS


def test_recording_the_letter_as_proposed_closes_and_notes_then_forgets_the_draft(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    data = choices_as_shown(client, world["report"])
    response = client.post(letter_url(world["report"]), data | {"reference": "Ref 17"})
    assert response.status_code == 302
    assert Finding.objects.get(pk=world["coc"].pk).status == Status.CLOSED
    assert Finding.objects.get(pk=world["coc"].pk).closure_reference == "Ref 17"
    follow = client.get(response.url).content.decode()
    assert "2 closed by HMICFRS, 1 given a revisit note" in follow
    assert not ReviewDraft.objects.exists()


def test_changing_a_match_on_the_screen_records_the_one_chosen(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], REVISIT)
    data = choices_as_shown(client, world["report"])
    position = letters.read_letter(REVISIT).restated[2].position
    data[f"match_{position}"] = str(world["unrelated"].pk)
    assert client.post(letter_url(world["report"]), data).status_code == 302
    noted = set(LetterOutcome.objects.values_list("finding_id", flat=True))
    assert world["unrelated"].pk in noted and world["assessments"].pk not in noted


def test_a_letter_matching_nothing_creates_its_findings(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], REVISIT_UNTRACKED)
    data = choices_as_shown(client, world["report"]) | {"sent_on": "2025-07-01"}
    before = Finding.objects.count()
    assert client.post(letter_url(world["report"]), data).status_code == 302
    assert Finding.objects.count() == before + 2


# ---------------------------------------------------------------- bad input


def test_a_match_that_is_not_offered_is_refused_and_nothing_changes(world, opcc, other_force):
    from tests.factories import make_finding, make_report

    theirs = make_finding(report=make_report(force=other_force))
    client = signed_in(opcc)
    paste(client, world["report"], REVISIT)
    data = choices_as_shown(client, world["report"])
    position = letters.read_letter(REVISIT).restated[0].position
    before = state()
    for bad in (str(theirs.pk), "999999", "not-a-number"):
        response = client.post(letter_url(world["report"]), data | {f"match_{position}": bad})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    assert state() == before


def test_closing_without_a_match_or_a_date_is_explained_and_nothing_changes(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    data = choices_as_shown(client, world["report"])
    position = letters.read_letter(CLOSURE).restated[0].position
    before = state()
    response = client.post(
        letter_url(world["report"]), data | {f"match_{position}": "", "sent_on": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "choose the tracked finding this refers to" in page
    assert "Give the letter’s date" in page
    assert state() == before


def test_closing_a_finding_the_workflow_does_not_allow_is_refused_whole(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    data = choices_as_shown(client, world["report"])
    last = letters.read_letter(CLOSURE).restated[2].position
    before = state()
    response = client.post(letter_url(world["report"]), data | {f"choice_{last}": "close"})
    assert response.status_code == 400
    assert "cannot be closed by HMICFRS yet" in response.content.decode()
    # The cause of concern, closable on its own, was not closed either.
    assert state() == before


def test_a_finding_changed_meanwhile_records_nothing_and_says_why(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    data = choices_as_shown(client, world["report"])
    Finding.objects.filter(pk=world["observation"].pk).update(version=50)
    before = state()
    response = client.post(letter_url(world["report"]), data)
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    assert state() == before


def test_a_stale_tab_or_an_unknown_operation_records_nothing(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    data = choices_as_shown(client, world["report"])
    before = state()
    assert client.post(letter_url(world["report"]), data | {"draft": "0"}).status_code == 409
    assert client.post(letter_url(world["report"]), data | {"op": "explode"}).status_code == 400
    assert state() == before


def test_discarding_the_letter_records_nothing(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    data = choices_as_shown(client, world["report"]) | {"op": "discard"}
    before = state()
    assert client.post(letter_url(world["report"]), data).status_code == 302
    assert state() == before
    assert not ReviewDraft.objects.exists()


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("lead", 403), ("outsider", 404)])
def test_only_opcc_staff_of_the_force_reach_the_letter_screen(request, world, opcc, who, status):
    paste(signed_in(opcc), world["report"], CLOSURE)
    client = signed_in(request.getfixturevalue(who))
    before = state()
    assert client.get(letter_url(world["report"])).status_code == status
    response = client.post(letter_url(world["report"]), {"op": "record", "draft": "1"})
    assert response.status_code == status
    assert state() == before


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(letter_url(world["report"]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_opcc_officer_does_not_see_my_letter(world, opcc, administrator):
    paste(signed_in(opcc), world["report"], CLOSURE)
    response = signed_in(administrator).get(letter_url(world["report"]))
    assert response.status_code == 302
    assert response.url == intake_url(world["report"])


# ---------------------------------------------------------------- my drafts


def test_a_review_survives_signing_in_again_and_is_listed_under_my_drafts(world, opcc):
    paste(signed_in(opcc), world["report"], CLOSURE)
    again = signed_in(opcc)  # a new session: another browser, or after signing out
    assert again.get(letter_url(world["report"])).status_code == 200
    page = again.get(reverse("intake:draft-list")).content.decode()
    assert world["report"].title in page
    assert letter_url(world["report"]) in page


def test_drafts_expire_after_fourteen_days(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], CLOSURE)
    ReviewDraft.objects.update(updated_at=timezone.now() - timedelta(days=14, minutes=1))
    assert client.get(letter_url(world["report"])).status_code == 302
    page = client.get(reverse("intake:draft-list")).content.decode()
    assert "You have no reviews in progress." in page
    assert not ReviewDraft.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("lead", 403), ("opcc", 200)])
def test_my_drafts_is_for_people_who_bring_findings_in(request, who, status):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse("intake:draft-list")).status_code == status


def test_after_bringing_findings_in_the_bulk_assign_link_ticks_them(opcc, force):
    from tests.extraction import CORPUS
    from tests.factories import make_report

    report = make_report(force=force, published_on=date(2024, 11, 14))
    client = signed_in(opcc)
    text = (CORPUS / "peel_2023_coc.txt").read_text(encoding="utf-8")
    client.post(intake_url(report), {"text": text, "published_on": "2024-11-14"})
    draft = ReviewDraft.objects.get()
    response = client.post(
        reverse("intake:report-intake-review", args=[report.pk]),
        {"op": "save", "revision": draft.data["revision"]},
        follow=True,
    )
    page = response.content.decode()
    ids = list(report.findings.order_by("id").values_list("pk", flat=True))
    link = (
        reverse("recommendations:report-assign", args=[report.pk])
        + "?"
        + "&amp;".join(f"findings={pk}" for pk in ids)
    )
    assert link in page
    assign = client.get(link.replace("&amp;", "&")).content.decode()
    assert assign.count("checked") >= len(ids)


@pytest.mark.parametrize("model", ["letter", "reviewdraft"])
def test_the_admin_lists_letters_and_drafts_read_only(world, opcc, model):
    from recommendations.models import Role
    from tests.factories import make_user

    paste(signed_in(opcc), world["report"], CLOSURE)
    admin_user = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client = signed_in(admin_user)
    url = reverse(f"admin:intake_{model}_changelist")
    assert client.get(url, {"q": "custody"}).status_code == 200
    assert client.get(reverse(f"admin:intake_{model}_add")).status_code == 403


def test_a_revisit_note_shows_on_the_findings_timeline(world, opcc):
    client = signed_in(opcc)
    paste(client, world["report"], REVISIT)
    client.post(letter_url(world["report"]), choices_as_shown(client, world["report"]))
    page = client.get(world["assessments"].get_absolute_url()).content.decode()
    assert "HMICFRS revisit note: revisit letter of 2 May 2025" in page
    assert "Risk assessments are not yet completed before every detention." in page
