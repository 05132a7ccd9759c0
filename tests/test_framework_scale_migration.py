"""The migrations that gave frameworks their own grade scale keep every recorded judgment
valid: frameworks recorded before keep the five-point scale they graded on."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("recommendations", "0006_dates_within_range")]
# Found by name, not number: numbers are reconciled when branches merge.
SCALES = "framework_scales_reference_data"


def migrate(to: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(to)
    return executor.loader.project_state(to).apps


def test_judgments_recorded_before_scales_stay_on_their_frameworks_scale(reference_data):
    graph = MigrationExecutor(connection).loader.graph
    after = [key for key in graph.nodes if key[0] == "recommendations" and SCALES in key[1]]
    old = migrate(BEFORE)
    Framework = old.get_model("recommendations", "Framework")
    Force = old.get_model("recommendations", "Force")
    local = Framework.objects.create(name="Local thematic framework", report_kind="thematic")
    area = local.areas.create(name="Vetting", position=1)
    report = old.get_model("recommendations", "Report").objects.create(
        kind="thematic",
        title="Vetting inspection",
        force=Force.objects.first(),
        framework=local,
        published_on=date(2023, 1, 10),
    )
    old.get_model("recommendations", "GradedJudgment").objects.create(
        report=report, area=area, grade="adequate"
    )
    try:
        new = migrate(after)
        Framework = new.get_model("recommendations", "Framework")
        assert Framework.objects.get(name="Local thematic framework").grades == [
            "outstanding",
            "good",
            "adequate",
            "requires_improvement",
            "inadequate",
        ]
        assert "adequate" not in Framework.objects.get(name="PEEL 2014–2020").grades
        judgment = new.get_model("recommendations", "GradedJudgment").objects.get()
        assert judgment.grade == "adequate"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
