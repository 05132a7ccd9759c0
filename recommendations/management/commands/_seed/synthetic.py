"""Large synthetic data for benchmarks: `seed_demo --scale N`.

N findings with four progress updates each, spread over the 43 territorial
forces, written with bulk inserts. A fixed random seed makes the same N give the
same data. Bulk inserts bypass django-simple-history on purpose: this is load,
not anyone's change. Earlier synthetic data is removed first, so a re-run
replaces rather than adds.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import connection, transaction

from recommendations import signals
from recommendations.models import (
    Finding,
    FindingKind,
    Force,
    ProgressUpdate,
    Rag,
    Report,
    ReportKind,
    Role,
    Status,
    Theme,
    User,
)

SYNTHETIC_TITLE = "Synthetic benchmark report"
SYNTHETIC_USER_PREFIX = "synthetic-lead-"
FINDINGS_PER_REPORT = 50
UPDATES_PER_FINDING = 4
BATCH = 5000

_KINDS = (
    [FindingKind.CAUSE_OF_CONCERN] * 1
    + [FindingKind.RECOMMENDATION] * 6
    + [FindingKind.AREA_FOR_IMPROVEMENT] * 3
)
_STATUSES = (
    [Status.NOT_STARTED] * 3
    + [Status.IN_PROGRESS] * 8
    + [Status.REPORTED_COMPLETE] * 2
    + [Status.ASSURED] * 2
    + [Status.CLOSED] * 4
    + [Status.NO_FURTHER_ACTION]
)


def _delete_synthetic() -> None:
    """Remove earlier synthetic rows with plain SQL: ORM cascades would load 250,000 objects.

    Only the models' own table names are put into the SQL; the title is a parameter.
    """
    findings = (
        f"SELECT f.id FROM {Finding._meta.db_table} f JOIN {Report._meta.db_table} r "  # nosec
        "ON r.id = f.report_id WHERE r.title LIKE %s"
    )
    pattern = [SYNTHETIC_TITLE + "%"]
    with connection.cursor() as cursor:
        for table in (ProgressUpdate._meta.db_table, Finding.themes.through._meta.db_table):
            cursor.execute(f"DELETE FROM {table} WHERE finding_id IN ({findings})", pattern)  # nosec
        cursor.execute(f"DELETE FROM {Finding._meta.db_table} WHERE id IN ({findings})", pattern)  # nosec
    Report.objects.filter(title__startswith=SYNTHETIC_TITLE).delete()
    User.objects.filter(username__startswith=SYNTHETIC_USER_PREFIX).delete()


@transaction.atomic
def seed_synthetic(n_findings: int, *, today: date) -> dict[str, int]:
    # Made-up data.
    rng = random.Random(n_findings)  # nosec
    # Bulk inserts send no model signals: say that the data changed, once committed.
    signals.announce_bulk_change_on_commit()
    _delete_synthetic()
    forces = list(Force.objects.filter(is_territorial=True).order_by("name"))
    themes = list(Theme.objects.order_by("slug"))
    opcc_lead = User.objects.filter(username="opcc").first()
    lead_group = Group.objects.get(name=Role.FORCE_LEAD.value)

    leads = User.objects.bulk_create(
        [
            User(
                username=f"{SYNTHETIC_USER_PREFIX}{force.slug}",
                email=f"{SYNTHETIC_USER_PREFIX}{force.slug}@synthetic.opcc.example",
                first_name="Synthetic",
                last_name="Lead",
                force=force,
                # Unusable: nobody signs in as these.
                password="!",  # nosec
            )
            for force in forces
        ]
    )
    lead_group.user_set.add(*leads)
    lead_by_force = {lead.force_id: lead for lead in leads}

    n_reports = max(1, -(-n_findings // FINDINGS_PER_REPORT))
    reports = Report.objects.bulk_create(
        [
            Report(
                kind=ReportKind.PEEL if i % 3 else ReportKind.NCPI,
                title=f"{SYNTHETIC_TITLE} {i + 1:05d}",
                force=forces[i % len(forces)],
                published_on=today - timedelta(days=rng.randint(30, 900)),
                summary="Synthetic data for benchmarks.",
            )
            for i in range(n_reports)
        ],
        batch_size=BATCH,
    )

    findings = []
    for i in range(n_findings):
        report = reports[i // FINDINGS_PER_REPORT]
        kind = rng.choice(_KINDS)
        status = rng.choice(_STATUSES)
        due_on = None
        if kind == FindingKind.RECOMMENDATION:
            due_on = report.published_on + timedelta(days=rng.choice((0, 42, 91, 183, 365)))
        findings.append(
            Finding(
                report=report,
                force_id=report.force_id,
                kind=kind,
                reference=f"S{i % FINDINGS_PER_REPORT + 1}",
                text=f"Synthetic finding {i + 1}: the force should improve an illustrative "
                f"process number {rng.randint(1, 9999)}.",
                due_on=due_on,
                original_due_on=due_on,
                status=status,
                rag=rng.choice(Rag.values),
                owner=lead_by_force[report.force_id],
                opcc_lead=opcc_lead,
                closed_on=today - timedelta(days=rng.randint(1, 300))
                if status == Status.CLOSED
                else None,
                closure_reference="Synthetic letter" if status == Status.CLOSED else "",
                closure_basis="letter" if status == Status.CLOSED else "",
                no_further_action_reason="Synthetic reason"
                if status == Status.NO_FURTHER_ACTION
                else "",
            )
        )
    findings = Finding.objects.bulk_create(findings, batch_size=BATCH)

    Through = Finding.themes.through
    if themes:
        Through.objects.bulk_create(
            [Through(finding_id=f.pk, theme_id=rng.choice(themes).pk) for f in findings],
            batch_size=BATCH,
        )

    updates = 0
    batch: list[ProgressUpdate] = []
    for finding in findings:
        for k in range(UPDATES_PER_FINDING):
            batch.append(
                ProgressUpdate(
                    finding_id=finding.pk,
                    narrative=f"Synthetic update {k + 1} for {finding.reference}.",
                    rag=rng.choice(Rag.values),
                    as_at=today - timedelta(days=30 * (UPDATES_PER_FINDING - k)),
                    author_id=finding.owner_id,
                )
            )
        if len(batch) >= BATCH:
            ProgressUpdate.objects.bulk_create(batch, batch_size=BATCH)
            updates += len(batch)
            batch = []
    if batch:
        ProgressUpdate.objects.bulk_create(batch, batch_size=BATCH)
        updates += len(batch)

    return {
        "reports": len(reports),
        "findings": len(findings),
        "progress updates": updates,
        "force leads": len(leads),
    }
