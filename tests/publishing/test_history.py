"""Every saved version of a PCC response is kept and can be read in the app: who changed
which part of the statement, and each recommendation's response, and when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from publishing import history, services
from publishing.models import Stage
from recommendations.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _save(client, response, **fields):
    response.refresh_from_db()
    data = {"version": response.version, **fields}
    reply = client.post(reverse("publishing:response-edit", args=[response.pk]), data)
    assert reply.status_code == 302, reply.content.decode()[:500]


@pytest.fixture
def drafting(report, recommendations, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    return services.response_move(response=response, to=Stage.DRAFT, by=opcc)


def test_each_save_is_kept_with_its_author_and_the_earlier_text_stays_readable(
    client, drafting, recommendations, opcc
):
    colleague = make_user(
        Role.OPCC_STAFF, username="second-drafter", first_name="Sam", last_name="Example"
    )
    first, second = recommendations
    client.force_login(opcc)
    _save(
        client,
        drafting,
        headline="First wording of the headline.",
        **{f"steps_{first.pk}": "Training planned for spring."},
    )
    client.force_login(colleague)
    _save(
        client,
        drafting,
        headline="Second wording.",
        pcc_view="The PCC welcomes it.",
        **{
            f"steps_{first.pk}": "Training delivered in April.",
            f"reason_{second.pk}": "Superseded by the national programme.",
        },
    )

    versions = history.response_versions(drafting)
    newest, older = versions[0], versions[1]
    assert newest.by == "Sam Example"
    assert {c.label: c.after for c in newest.changes} == {
        "The report and its headline conclusion": "Second wording.",
        "The PCC's view": "The PCC welcomes it.",
    }
    assert {c.label: c.before for c in newest.changes}[
        "The report and its headline conclusion"
    ] == "First wording of the headline."
    assert older.by == opcc.get_username()
    assert newest.number == older.number + 1
    # The start and the move to draft are versions too, oldest last.
    assert [c.label for c in versions[-2].changes] == ["Stage"]

    answers = history.answer_versions(drafting)
    assert {(v.reference, v.by) for v in answers[:2]} == {
        ("R1", "Sam Example"),
        ("R2", "Sam Example"),
    }
    r1_texts = [c.after for v in answers if v.reference == "R1" for c in v.changes]
    assert "Training planned for spring." in r1_texts
    assert "Training delivered in April." in r1_texts

    page = client.get(reverse("publishing:response-history", args=[drafting.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "First wording of the headline." in body and "Second wording." in body
    assert "Superseded by the national programme." in body
    assert "Draft" in body  # the stage change


def test_the_page_escapes_text_and_costs_the_same_however_many_versions(
    client, drafting, opcc, django_assert_max_num_queries
):
    client.force_login(opcc)
    _save(client, drafting, headline="<script>alert(1)</script>")
    url = reverse("publishing:response-history", args=[drafting.pk])
    body = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    for n in range(6):
        _save(client, drafting, headline=f"Wording {n}.")
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200


def test_another_forces_staff_cannot_read_the_versions(client, drafting, outsider):
    client.force_login(outsider)
    assert client.get(reverse("publishing:response-history", args=[drafting.pk])).status_code == 404
