"""Illustrative demo data for `manage.py seed_demo`: the people, the force, its
monitoring, and the helpers that seed the reports in `scenario.py`.

Everything here is written for this demo in the HMICFRS style: the force is
fictional, the findings are not real HMICFRS text, and the people are roles,
not real persons. Dates are relative to "today" so the demo always has work
overdue, due soon and awaiting assurance.

Seeding is idempotent: rows are looked up by natural keys and saved only when
something differs, so a second run on the same day changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.text import slugify

from recommendations.management.commands._seed.scenario import DemoReports, F
from recommendations.models import (
    AssessmentArea,
    AssuranceDecision,
    AssuranceOutcome,
    Evidence,
    Finding,
    FindingKind,
    Force,
    Framework,
    GradedJudgment,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    ProgressUpdate,
    Report,
    ReportKind,
    Role,
    Status,
    Theme,
    User,
)
from recommendations.roles import PCC_GROUP

DEMO_FORCE_NAME = "Northmoor Constabulary (illustrative)"

DEMO_USERS = (
    # username, role, first name, last name, scoped to the demo force?
    ("opcc", Role.OPCC_STAFF, "OPCC", "Officer (demo)", False),
    # The PCC: OPCC staff's role and the PCC group, which approves s.55 responses.
    ("pcc", Role.OPCC_STAFF, "Police and Crime", "Commissioner (demo)", False),
    ("forcelead", Role.FORCE_LEAD, "Force", "Lead (demo)", True),
    ("forcelead2", Role.FORCE_LEAD, "Second Force", "Lead (demo)", True),
    ("viewer", Role.VIEWER, "Chief Constable's", "Office (demo)", True),
    ("admin", Role.ADMINISTRATOR, "System", "Administrator (demo)", False),
)

# What each illustrative PPOG meeting concluded, by days after the move into Engage.
PPOG_OUTCOMES = {
    60: "Illustrative: the force's improvement plan was accepted; it reports back on "
    "supervision of child protection investigations at the next meeting.",
    180: "Illustrative: progress on training noted; evidence asked for on the quality of "
    "referrals before any cause of concern is closed.",
    300: "Illustrative: HMICFRS will revisit the child protection causes of concern before "
    "considering exit.",
}

THEMES = {
    "initial-response": ("Child protection: initial response", "First contact and attendance."),
    "risk-referral": ("Risk assessment and referral", "Identifying risk and sharing it."),
    "investigation": ("Investigation quality", "Supervision and standards of investigations."),
    "partnership": ("Multi-agency safeguarding", "Working with partners to protect children."),
    "workforce": ("Workforce capacity and training", "Enough trained people in the right roles."),
    "leadership": ("Leadership and governance", "Oversight, performance management, learning."),
    "vetting": ("Vetting and counter-corruption", "National vetting and misconduct themes."),
}


@dataclass
class Seeder(DemoReports):
    today: date
    password: str | None
    stdout: Any
    users: dict[str, User] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def upsert(model: type[models.Model], lookup: dict[str, Any], **values: Any) -> Any:
        """Create, or update only the fields that differ, so re-runs write nothing."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.save()
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save()
        return obj

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    @staticmethod
    def at_noon(day: date) -> datetime:
        return datetime.combine(day, time(12, 0), tzinfo=UTC)

    # ---------------------------------------------------------------- seeding

    @transaction.atomic
    def run(self) -> dict[str, str]:
        force = self.upsert(
            Force, {"slug": slugify(DEMO_FORCE_NAME)}, name=DEMO_FORCE_NAME, is_territorial=False
        )
        passwords = self.seed_users(force)
        for slug, (name, description) in THEMES.items():
            self.themes[slug] = self.upsert(
                Theme, {"slug": slug}, name=name, description=description
            )
        peel = self.seed_peel(force)
        ncpi = self.seed_ncpi(force)
        self.seed_thematic(force)
        self.seed_monitoring(force, peel)
        self.link_supersession(peel, ncpi)
        return passwords

    def seed_users(self, force: Force) -> dict[str, str]:
        passwords: dict[str, str] = {}
        for username, role, first_name, last_name, scoped in DEMO_USERS:
            user = self.upsert(
                User,
                {"username": username},
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@demo.opcc.example",
                force=force if scoped else None,
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
                is_active=True,
            )
            groups = [role.value, *([PCC_GROUP] if username == "pcc" else [])]
            user.groups.set(Group.objects.filter(name__in=groups))
            if self.password:
                if not user.check_password(self.password):
                    user.set_password(self.password)
                    user.save(update_fields=["password"])
                passwords[username] = self.password
            elif not user.password or not user.has_usable_password():
                generated = secrets.token_urlsafe(12)
                user.set_password(generated)
                user.save(update_fields=["password"])
                passwords[username] = generated
            else:
                passwords[username] = "(unchanged: pass --password to reset)"
            self.users[username] = user
        return passwords

    def report(self, force: Force | None, kind: ReportKind, title: str, **values: Any) -> Report:
        published_on = values.pop("published_on")
        report = self.upsert(
            Report,
            {"force": force, "kind": kind, "title": title},
            published_on=published_on,
            **values,
        )
        return report

    def judgments(self, report: Report, framework_name: str, grades: list[str]) -> None:
        framework = Framework.objects.get(name=framework_name)
        if report.framework_id != framework.pk:
            report.framework = framework
            report.save()
        areas = AssessmentArea.objects.filter(framework=framework, is_graded=True).order_by(
            "position"
        )
        for area, grade in zip(areas, grades, strict=True):
            self.upsert(GradedJudgment, {"report": report, "area": area}, grade=grade)

    def finding(self, report: Report, force: Force, spec: F) -> Finding:
        due_on = spec.due_on
        if due_on is None and spec.due is not None:
            due_on = report.published_on + timedelta(days=spec.due)
        parent = self.findings[(report.title, spec.parent)] if spec.parent else None
        finding = Finding.objects.filter(report=report, reference=spec.reference).first()
        values = {
            "force": force,
            "kind": spec.kind,
            "text": spec.text,
            "parent": parent,
            "addressee": "Chief constable" if spec.kind != FindingKind.CAUSE_OF_CONCERN else "",
            "timeframe": spec.timeframe,
            "owner": self.users[spec.owner] if spec.owner else None,
            "opcc_lead": self.users["opcc"],
            "status": spec.status,
            "rag": spec.rag,
        }
        if finding is None or finding.due_on != due_on:
            # Seed data sets the deadline directly: it has never slipped.
            values["due_on"] = due_on
            values["original_due_on"] = due_on
        if spec.status == Status.SUPERSEDED and (finding is None or not finding.superseded_by_id):
            # The successor may not exist yet: link_supersession sets both together.
            values["status"] = Status.IN_PROGRESS
        if spec.status == Status.NO_FURTHER_ACTION:
            values["no_further_action_reason"] = spec.reason
        if spec.status == Status.CLOSED:
            values["closed_on"] = self.days_ago(20)
            values["closure_basis"] = "letter"
            values["closure_reference"] = "HMICFRS letter NM/2026/04 (illustrative)"
        finding = self.upsert(Finding, {"report": report, "reference": spec.reference}, **values)
        finding.themes.set([self.themes[slug] for slug in spec.themes])
        self.findings[(report.title, spec.reference)] = finding
        for days_before, rag, narrative, reports_complete in spec.updates:
            self.update(finding, days_before, rag, narrative, reports_complete)
        return finding

    def update(
        self, finding: Finding, days_before: int, rag: str, narrative: str, reports_complete: bool
    ) -> ProgressUpdate:
        as_at = self.days_ago(days_before)
        author = finding.owner or self.users["forcelead"]
        update = self.upsert(
            ProgressUpdate,
            {"finding": finding, "as_at": as_at, "author": author},
            narrative=narrative,
            rag=rag,
            reports_complete=reports_complete,
        )
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=self.at_noon(as_at))
        if reports_complete or days_before % 3 == 0:
            self.evidence(update, as_at)
        return update

    def evidence(self, update: ProgressUpdate, as_at: date) -> None:
        name = f"{update.finding.reference.lower()}-evidence-{as_at:%Y%m%d}.txt"
        if Evidence.objects.filter(update=update, original_name=name).exists():
            return
        body = (
            f"Illustrative evidence for {update.finding.reference}, as at {as_at:%d %B %Y}.\n"
            "This file was generated by seed_demo and describes no real work.\n"
        ).encode()
        evidence = Evidence(
            update=update,
            original_name=name,
            content_type="text/plain",
            size=len(body),
            effective_on=as_at,
            description="Illustrative evidence (demo)",
            uploaded_by=update.author,
        )
        evidence.file.save(name, ContentFile(body), save=False)
        evidence.save()
        Evidence.objects.filter(pk=evidence.pk).update(uploaded_at=self.at_noon(as_at))

    def decision(
        self, finding: Finding, outcome: AssuranceOutcome, reason: str, days_before: int
    ) -> None:
        claim = finding.updates.filter(reports_complete=True).order_by("as_at").last()
        decision = self.upsert(
            AssuranceDecision,
            {"finding": finding, "outcome": outcome, "update": claim},
            reason=reason,
            decided_by=self.users["opcc"],
        )
        AssuranceDecision.objects.filter(pk=decision.pk).update(
            decided_at=self.at_noon(self.days_ago(days_before))
        )
        if outcome == AssuranceOutcome.CHALLENGED:
            challenged_at = self.at_noon(self.days_ago(days_before))
            if finding.challenged_at != challenged_at:
                finding.challenged_at = challenged_at
                finding.save()

    # ---------------------------------------------------------------- reports

    def seed_monitoring(self, force: Force, peel: Report) -> None:
        engaged_on = peel.published_on + timedelta(days=20)
        self.upsert(
            MonitoringPeriod,
            {"force": force, "phase": MonitoringPhase.SCAN, "started_on": date(2014, 1, 1)},
            ended_on=engaged_on,
        )
        engage = self.upsert(
            MonitoringPeriod,
            {"force": force, "phase": MonitoringPhase.ENGAGE, "started_on": engaged_on},
            ended_on=None,
            notes="Illustrative: moved into Engage after the PEEL causes of concern.",
        )
        engage.causes_of_concern.set(peel.findings.filter(kind=FindingKind.CAUSE_OF_CONCERN))
        for offset in (60, 180, 300):
            meets_on = engaged_on + timedelta(days=offset)
            # Meetings already held have an outcome; those still to come have none yet.
            held = meets_on <= self.today
            self.upsert(
                PpogMeeting,
                {"monitoring_period": engage, "meets_on": meets_on},
                outcome=PPOG_OUTCOMES[offset] if held else "",
            )
        self.upsert(
            PpogMeeting, {"monitoring_period": engage, "meets_on": self.today + timedelta(days=35)}
        )

    def link_supersession(self, peel: Report, ncpi: Report) -> None:
        old = self.findings[(peel.title, "R2")]
        new = self.findings[(ncpi.title, "R1")]
        if old.superseded_by_id != new.pk:
            old.superseded_by = new
            old.status = Status.SUPERSEDED
            old.save()
