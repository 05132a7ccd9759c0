"""The read-only API: who may read what, with tokens and with the session; the same
filters as the findings list; pages whose query count does not grow with their size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api import tokens
from api.models import ApiToken, token_hash
from audit.models import AuditEvent, Event
from recommendations.models import Action, FindingKind, ProgressUpdate, Rag, Role, Status, Theme
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(force, other_force, lead):
    report = make_report(force=force, published_on=date(2026, 1, 15), title="Testshire PEEL")
    elsewhere = make_report(force=other_force, title="Elsewhere PEEL")
    today = timezone.localdate()
    findings = {
        "overdue": make_finding(
            report=report, owner=lead, due_on=today - timedelta(days=30), reference="R1"
        ),
        "soon": make_finding(report=report, due_on=today + timedelta(days=10), reference="R2"),
        "afi": make_finding(report=report, kind=FindingKind.AREA_FOR_IMPROVEMENT, reference="A1"),
        "elsewhere": make_finding(report=elsewhere, reference="R1"),
    }
    return report, elsewhere, findings


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def issued(user, **kwargs) -> str:
    return tokens.token_issue(user, name="Power BI", days=kwargs.get("days", 30))[1]


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# ---------------------------------------------------------------- tokens


def test_a_token_is_stored_only_as_its_hash_and_shown_once(client, lead):
    client.force_login(lead)
    response = client.post(reverse("api:tokens"), {"name": "Power BI", "days": 30}, follow=True)
    raw = response.context["new_token"]
    assert raw.startswith("ovs_") and len(raw) > 40
    token = ApiToken.objects.get(user=lead)
    assert token.key_hash == token_hash(raw) and raw not in (token.prefix, token.key_hash)
    assert raw.startswith(token.prefix)
    # The next look at the page no longer shows it.
    again = client.get(reverse("api:tokens"))
    assert again.context["new_token"] is None and raw not in again.content.decode()
    assert AuditEvent.objects.filter(event=Event.API_TOKEN_CREATED, user=lead).count() == 1
    assert not AuditEvent.objects.filter(detail__icontains=raw[8:]).exists()


@pytest.mark.parametrize("days", [0, -1, 366, 10**12, "soon"])
def test_a_token_lasts_a_day_to_a_year(client, lead, days):
    client.force_login(lead)
    response = client.post(reverse("api:tokens"), {"name": "Power BI", "days": days})
    assert response.status_code == 200 and response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_a_person_has_at_most_ten_tokens_in_use(lead):
    for _ in range(tokens.MAX_LIVE_TOKENS):
        issued(lead)
    with pytest.raises(Exception, match="already have 10 tokens"):
        issued(lead)
    tokens.token_revoke(ApiToken.objects.first(), by=lead)
    issued(lead)  # a revoked one no longer counts


def test_reads_with_a_token(world, lead):
    raw = issued(lead)
    response = Client().get(reverse("api:finding-list"), **bearer(raw))
    assert response.status_code == 200
    _report, _elsewhere, findings = world
    assert ids(response) == {findings[k].pk for k in ("overdue", "soon", "afi")}
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ovs_not-a-token",
        "Bearer",
        "Bearer a b",
        "Bearer " + "x" * 5000,
        "Bearer ovs_\x00",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_a_bad_credential_is_refused_with_401(world, header):
    response = Client().get(reverse("api:finding-list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credential_gets_401_not_a_sign_in_page(world):
    response = Client().get(reverse("api:finding-list"))
    assert response.status_code == 401 and response["Content-Type"] == "application/json"


def test_a_revoked_token_stops_at_once(world, lead, client):
    raw = issued(lead)
    client.force_login(lead)
    token = ApiToken.objects.get()
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 302
    assert Client().get(reverse("api:finding-list"), **bearer(raw)).status_code == 401
    assert AuditEvent.objects.filter(event=Event.API_TOKEN_REVOKED, user=lead).exists()


def test_an_expired_token_is_refused(world, lead):
    raw = issued(lead, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(reverse("api:finding-list"), **bearer(raw)).status_code == 401


def test_a_deactivated_persons_token_is_refused(world, lead):
    raw = issued(lead)
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    assert Client().get(reverse("api:finding-list"), **bearer(raw)).status_code == 401


def test_a_person_who_loses_every_role_loses_the_api(world, lead):
    raw = issued(lead)
    lead.groups.clear()
    response = Client().get(reverse("api:finding-list"), **bearer(raw))
    assert response.status_code == 403


def test_nobody_revokes_anyone_elses_token(world, lead, opcc, client):
    issued(lead)
    token = ApiToken.objects.get()
    client.force_login(opcc)
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_page_refuses_a_person_with_no_role(client, force):
    nobody = make_user(None, force=force, username="no-role")
    client.force_login(nobody)
    assert client.get(reverse("api:tokens")).status_code == 403
    assert client.post(reverse("api:tokens"), {"name": "x", "days": 3}).status_code == 403


def test_the_token_pages_need_sign_in_and_csrf(lead):
    anonymous = Client()
    assert anonymous.get(reverse("api:tokens")).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lead)
    assert strict.post(reverse("api:tokens"), {"name": "x", "days": 3}).status_code == 403
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("opcc", {"overdue", "soon", "afi", "elsewhere"}),
        ("lead", {"overdue", "soon", "afi"}),
        ("viewer", {"overdue", "soon", "afi"}),
        ("outsider", {"elsewhere"}),
    ],
)
def test_each_person_reads_what_their_pages_show(world, request, who, expected, client):
    _report, _elsewhere, findings = world
    person = request.getfixturevalue(who)
    api = Client().get(reverse("api:finding-list"), **bearer(issued(person)))
    assert ids(api) == {findings[name].pk for name in expected}
    client.force_login(person)
    page = client.get(reverse("recommendations:finding-list"))
    assert {f.pk for f in page.context["page"].object_list} == ids(api)


def test_another_forces_finding_and_report_are_404(world, lead):
    _report, elsewhere, findings = world
    raw = issued(lead)
    url = reverse("api:finding-detail", args=[findings["elsewhere"].pk])
    assert Client().get(url, **bearer(raw)).status_code == 404
    url = reverse("api:report-detail", args=[elsewhere.pk])
    assert Client().get(url, **bearer(raw)).status_code == 404


def test_reports_are_scoped_and_national_reports_are_seen_by_all(world, lead, outsider):
    report, elsewhere, _findings = world
    national = make_report(force=None, title="A national thematic")
    got = ids(Client().get(reverse("api:report-list"), **bearer(issued(lead))))
    assert got == {report.pk, national.pk}
    got = ids(Client().get(reverse("api:report-list"), **bearer(issued(outsider))))
    assert got == {elsewhere.pk, national.pk}


def test_the_session_works_too(world, lead, client):
    client.force_login(lead)
    assert client.get(reverse("api:finding-list")).status_code == 200


def test_the_api_is_read_only(world, opcc):
    raw = issued(opcc)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(Client(), method)(reverse("api:finding-list"), **bearer(raw))
        assert response.status_code == 405


# ---------------------------------------------------------------- filters and content


@pytest.mark.parametrize(
    "query",
    [
        {"overdue": "on"},
        {"kind": "area_for_improvement"},
        {"status": "open", "sort": "-due"},
        {"q": "R2"},
        {"due_within": "30"},
    ],
)
def test_filters_mean_what_they_mean_on_the_findings_list(world, opcc, client, query):
    api = Client().get(reverse("api:finding-list"), query, **bearer(issued(opcc)))
    client.force_login(opcc)
    page = client.get(reverse("recommendations:finding-list"), query)
    listed = [f.pk for f in page.context["page"].object_list]
    assert [row["id"] for row in api.json()["results"]] == listed
    assert listed  # each query matches something, so the comparison means something


@pytest.mark.parametrize(
    "query",
    [
        {"due_from": "2026-02-30"},
        {"report": "999999"},
        {"kind": "nonsense"},
        {"due_within": "-1"},
        {"overdue": "on", "force": "not-a-number"},
    ],
)
def test_an_invalid_filter_is_refused_not_ignored(world, opcc, query):
    response = Client().get(reverse("api:finding-list"), query, **bearer(issued(opcc)))
    assert response.status_code == 400
    assert set(response.json()) <= set(query)


def test_a_finding_carries_its_latest_update_both_ratings_and_dates(world, lead):
    _report, _elsewhere, findings = world
    finding = findings["overdue"]
    finding.opcc_rag = Rag.RED
    finding.rag = Rag.GREEN
    finding.status = Status.IN_PROGRESS
    finding.save()
    finding.themes.add(Theme.objects.create(name="Vulnerability", slug="vulnerability"))
    ProgressUpdate.objects.create(
        finding=finding, narrative="Older", rag=Rag.AMBER, as_at=date(2026, 1, 1), author=lead
    )
    ProgressUpdate.objects.create(
        finding=finding, narrative="Newest", rag=Rag.GREEN, as_at=date(2026, 2, 1), author=lead
    )
    url = reverse("api:finding-detail", args=[finding.pk])
    row = Client().get(url, **bearer(issued(lead))).json()
    assert row["force_rating"] == "green" and row["opcc_rating"] == "red"
    assert row["due_on"] == finding.due_on.isoformat()
    assert row["latest_update"]["narrative"] == "Newest"
    assert row["themes"] == ["Vulnerability"]
    assert row["owner"] == str(lead)
    assert row["web_url"] == reverse("recommendations:finding-detail", args=[finding.pk])


def test_actions_are_scoped_through_their_finding(world, lead, outsider):
    _report, _elsewhere, findings = world
    mine = Action.objects.create(finding=findings["overdue"], description="Train staff")
    theirs = Action.objects.create(finding=findings["elsewhere"], description="Audit")
    assert ids(Client().get(reverse("api:action-list"), **bearer(issued(lead)))) == {mine.pk}
    assert ids(Client().get(reverse("api:action-list"), **bearer(issued(outsider)))) == {theirs.pk}


def test_each_read_is_audited_with_the_filters_and_the_token(world, lead):
    raw = issued(lead)
    Client().get(reverse("api:finding-list"), {"overdue": "on"}, **bearer(raw))
    event = AuditEvent.objects.get(event=Event.API_READ)
    assert event.user == lead
    assert event.detail == {"filters": {"overdue": "True"}, "token": raw[:10]}
    # A refusal reads nothing, so records no read.
    Client().get(reverse("api:finding-list"), **bearer("ovs_wrong"))
    assert AuditEvent.objects.filter(event=Event.API_READ).count() == 1


# ---------------------------------------------------------------- paging and queries


def _many(report, count: int, author) -> None:
    for i in range(count):
        finding = make_finding(report=report, reference=f"X{i}")
        ProgressUpdate.objects.create(
            finding=finding, narrative="n", rag=Rag.AMBER, as_at=date(2026, 1, 1), author=author
        )
        finding.themes.add(Theme.objects.get_or_create(name=f"T{i % 3}", slug=f"t{i % 3}")[0])


def test_pages_hold_page_size_rows_and_never_overlap(world, opcc):
    report, _elsewhere, _findings = world
    _many(report, 12, opcc)
    raw = issued(opcc)
    seen = []
    url = reverse("api:finding-list") + "?page_size=5"
    while url:
        body = Client().get(url, **bearer(raw)).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 16


def test_the_query_count_does_not_grow_with_the_page(world, opcc):
    report, _elsewhere, _findings = world
    _many(report, 40, opcc)
    raw = issued(opcc)
    # The first request also notes the token's use and fills the filters' option cache.
    Client().get(reverse("api:finding-list"), **bearer(raw))
    counts = []
    for size in (5, 40):
        with CaptureQueriesContext(connection) as captured:
            response = Client().get(reverse("api:finding-list"), {"page_size": size}, **bearer(raw))
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[1] <= 8


# ---------------------------------------------------------------- the description


def test_the_openapi_description_lists_the_paths_and_the_findings_filters(opcc):
    response = Client().get(reverse("api:schema"), {"format": "json"}, **bearer(issued(opcc)))
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/findings/", "/api/reports/", "/api/actions/"} <= set(schema["paths"])
    names = {p["name"] for p in schema["paths"]["/api/findings/"]["get"]["parameters"]}
    assert {"overdue", "force", "status", "due_from", "page", "page_size"} <= names
    # A client reading the description learns how to send the token.
    scheme = schema["components"]["securitySchemes"]["personalToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"personalToken": []} in schema["paths"]["/api/findings/"]["get"]["security"]


def test_the_description_needs_sign_in_too():
    assert Client().get(reverse("api:schema")).status_code == 401


def test_a_person_with_no_role_reads_nothing(world, force):
    nobody = make_user(None, force=force, username="no-role")
    nobody.groups.clear()
    raw = issued(nobody)
    assert Client().get(reverse("api:finding-list"), **bearer(raw)).status_code == 403
    assert Role.VIEWER  # the roles exist; this person simply holds none
