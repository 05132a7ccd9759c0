"""seed_demo builds the illustrative scenario and is idempotent."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations.management.commands._seed.seeder import DEMO_FORCE_NAME
from recommendations.models import (
    AssuranceOutcome,
    Evidence,
    Finding,
    FindingKind,
    MonitoringPhase,
    Report,
    ReportKind,
    Status,
    User,
)

pytestmark = pytest.mark.django_db

TODAY = "2026-11-26"
PASSWORD = "illustrative-demo-pass"


def seed(*extra: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--today", TODAY, "--password", PASSWORD, *extra, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table the app owns (history included), minus volatile login data."""
    tables: dict[str, list[tuple]] = {}
    models = [
        *apps.get_app_config("recommendations").get_models(),
        *apps.get_app_config("publishing").get_models(),
        *apps.get_app_config("accountability").get_models(),
    ]
    for model in models:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in {"password", "last_login", "date_joined"}
        ]
        tables[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return tables


def test_seeding_twice_gives_the_same_database():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_the_demo_scenario_has_what_the_demo_needs():
    from datetime import date

    today = date.fromisoformat(TODAY)
    output = seed()
    force = Finding.objects.filter(force__name=DEMO_FORCE_NAME).first().force
    assert not force.is_territorial
    assert force.current_monitoring().phase == MonitoringPhase.ENGAGE
    assert force.current_monitoring().causes_of_concern.count() == 2
    assert force.current_monitoring().ppog_meetings.filter(meets_on__gt=today).exists()
    assert {r.kind for r in Report.objects.all()} >= {
        ReportKind.PEEL,
        ReportKind.NCPI,
        ReportKind.THEMATIC,
    }
    assert Report.objects.get(kind=ReportKind.PEEL).judgments.count() == 9
    findings = Finding.objects.all()
    assert findings.filter(kind=FindingKind.AREA_FOR_IMPROVEMENT).exists()
    assert findings.overdue(today=today).exists()
    assert findings.due_soon(today=today).exists()
    assert findings.awaiting_assurance().exists()
    assert findings.challenged().count() == 1
    superseded = findings.get(status=Status.SUPERSEDED)
    assert superseded.superseded_by.report.kind == ReportKind.NCPI
    assert findings.filter(status=Status.CLOSED).exists()
    # Themes link findings across reports: the NCPI echoes the PEEL findings.
    shared = findings.filter(report__kind=ReportKind.NCPI, themes__findings__report__kind="peel")
    assert shared.exists()
    assert Evidence.objects.count() >= 5
    assert Finding.objects.get(pk=findings.challenged().get().pk).assurance_decisions.filter(
        outcome=AssuranceOutcome.CHALLENGED
    )
    for username in ("opcc", "pcc", "forcelead", "viewer", "admin"):
        assert User.objects.get(username=username).check_password(PASSWORD)
        assert f"{username}: {PASSWORD}" in output
    assert "illustrative" in force.name.lower()


def test_the_demo_has_a_published_peel_response_one_in_progress_and_a_public_page():
    from publishing.models import PublicRelease, S55Response, Stage

    seed()
    stages = {r.report.kind: r.stage for r in S55Response.objects.select_related("report")}
    assert stages == {ReportKind.PEEL: Stage.PUBLISHED, ReportKind.NCPI: Stage.DRAFT}
    assert User.objects.get(username="pcc").has_perm("publishing.approve_s55response")
    assert not User.objects.get(username="opcc").has_perm("publishing.approve_s55response")
    release = PublicRelease.objects.get()
    assert sum(len(r["findings"]) for r in release.data["reports"]) >= 5


def test_the_demo_has_a_past_session_with_minutes_and_actions_and_a_planned_one():
    from accountability.models import ItemRecord, Session, SessionAction, SessionStatus

    seed()
    past, planned = Session.objects.order_by("held_on")
    assert past.status == SessionStatus.MINUTES_APPROVED
    assert ItemRecord.objects.filter(item__session=past).count() == 3
    assert past.items.filter(questions__answer__isnull=False).count() == 2
    assert SessionAction.objects.filter(session=past).count() == 2
    assert planned.status == SessionStatus.PLANNED and planned.held_on > past.held_on
    # The next agenda starts with the previous session's actions.
    assert planned.items.order_by("order").first().group == "previous_actions"
    assert planned.items.filter(group="overdue").exists()
    # The demo's findings are as the domain's scenario left them: sessions record only.
    assert Finding.objects.challenged().count() == 1


def test_a_weak_demo_password_is_refused():
    with pytest.raises(CommandError, match="password rejected"):
        call_command("seed_demo", "--password", "short", stdout=StringIO())


def test_without_a_password_new_users_get_a_random_one_that_is_printed():
    out = StringIO()
    call_command("seed_demo", "--today", TODAY, stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.strip().startswith("opcc:"))
    generated = line.split(":", 1)[1].strip()
    assert len(generated) >= 12
    assert User.objects.get(username="opcc").check_password(generated)


def test_scale_adds_synthetic_data_over_the_43_forces_and_a_rerun_replaces_it():
    seed("--scale", "500")
    synthetic = Finding.objects.filter(report__title__startswith="Synthetic")
    assert synthetic.count() == 500
    assert synthetic.values("force").distinct().count() == 10  # 500 findings / 50 per report
    from recommendations.models import ProgressUpdate

    assert ProgressUpdate.objects.filter(finding__in=synthetic).count() == 2000
    seed("--scale", "500")
    assert synthetic.count() == 500
