"""Illustrative demo data for `manage.py seed_demo`.

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

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.text import slugify

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
    Rag,
    Report,
    ReportKind,
    Role,
    Status,
    Theme,
    User,
)

DEMO_FORCE_NAME = "Northmoor Constabulary (illustrative)"

DEMO_USERS = (
    # username, role, first name, last name, scoped to the demo force?
    ("opcc", Role.OPCC_STAFF, "OPCC", "Officer (demo)", False),
    ("forcelead", Role.FORCE_LEAD, "Force", "Lead (demo)", True),
    ("forcelead2", Role.FORCE_LEAD, "Second Force", "Lead (demo)", True),
    ("viewer", Role.VIEWER, "Chief Constable's", "Office (demo)", True),
    ("admin", Role.ADMINISTRATOR, "System", "Administrator (demo)", False),
)

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
class F:
    """One demo finding: reference, kind, text, and how far the force has got."""

    reference: str
    kind: FindingKind
    text: str
    themes: tuple[str, ...] = ()
    parent: str | None = None
    timeframe: str = ""
    due: int | None = None  # days from publication (relative timeframes) …
    due_on: date | None = None  # … or a fixed date resolved at seed time
    status: Status = Status.NOT_STARTED
    rag: str = ""
    owner: str | None = "forcelead"
    reason: str = ""  # why no further action is needed
    updates: list[tuple[int, str, str, bool]] = field(default_factory=list)
    # (days before today, rag, narrative, reports_complete)


@dataclass
class Seeder:
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
            user.groups.set([Group.objects.get(name=role.value)])
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

    def seed_peel(self, force: Force) -> Report:
        published = self.days_ago(420)
        report = self.report(
            force,
            ReportKind.PEEL,
            "PEEL 2023–25: an inspection of Northmoor Constabulary (illustrative)",
            published_on=published,
            url="https://example.org/illustrative/peel-northmoor",
            summary="Illustrative PEEL report for the demo. Two causes of concern about how the "
            "force protects vulnerable children and supervises investigations.",
            chief_constable_comments_by=published + timedelta(days=28),
            response_published_on=published + timedelta(days=50),
            response_url="https://example.org/illustrative/pcc-response-peel",
        )
        self.judgments(
            report,
            "PEEL 2023–25",
            [
                "adequate",
                "requires_improvement",
                "requires_improvement",
                "inadequate",
                "inadequate",
                "adequate",
                "good",
                "requires_improvement",
            ],
        )
        by_date = (published + relativedelta(months=9)).replace(day=1) + relativedelta(
            months=1, days=-1
        )
        specs = [
            F(
                "CoC1",
                FindingKind.CAUSE_OF_CONCERN,
                "The force does not consistently identify and respond to risk when children "
                "are reported missing or at risk of exploitation",
                ("initial-response", "risk-referral"),
                status=Status.IN_PROGRESS,
                owner="forcelead",
            ),
            F(
                "R1",
                FindingKind.RECOMMENDATION,
                "The force should immediately make sure that every report concerning a "
                "child at risk is assessed by a trained supervisor within one hour.",
                ("initial-response",),
                parent="CoC1",
                timeframe="immediately",
                due=0,
                status=Status.ASSURED,
                rag=Rag.GREEN,
                updates=[
                    (380, Rag.AMBER, "Supervisor rota changed; dip sample under way.", False),
                    (330, Rag.GREEN, "Dip sample of 200 reports: 96% assessed in time.", True),
                ],
            ),
            F(
                "R2",
                FindingKind.RECOMMENDATION,
                "Within three months, the force should review its missing children "
                "procedure so that risk is reassessed at every handover.",
                ("risk-referral",),
                parent="CoC1",
                timeframe="Within three months",
                due=91,
                status=Status.SUPERSEDED,
                owner="forcelead2",
                updates=[(350, Rag.AMBER, "Procedure drafted; consultation with partners.", False)],
            ),
            F(
                "R3",
                FindingKind.RECOMMENDATION,
                "Within six months, the force should make sure that officers attending "
                "incidents involving children record the child's views and behaviour.",
                ("initial-response", "workforce"),
                parent="CoC1",
                timeframe="Within six months",
                due=183,
                status=Status.IN_PROGRESS,
                rag=Rag.RED,
                updates=[
                    (
                        300,
                        Rag.AMBER,
                        "Training package commissioned from the learning team.",
                        False,
                    ),
                    (200, Rag.AMBER, "Training delivered to 40% of response officers.", False),
                    (
                        90,
                        Rag.RED,
                        "Abstractions have slowed training; recovery plan drafted.",
                        False,
                    ),
                ],
            ),
            F(
                "R4",
                FindingKind.RECOMMENDATION,
                f"By {by_date:%-d %B %Y}, the force should put in place a performance "
                "framework that tells leaders how well children at risk are protected.",
                ("leadership",),
                parent="CoC1",
                timeframe=f"By {by_date:%-d %B %Y}",
                due_on=by_date,
                status=Status.REPORTED_COMPLETE,
                rag=Rag.GREEN,
                owner="forcelead2",
                updates=[
                    (250, Rag.AMBER, "Framework designed with the performance team.", False),
                    (12, Rag.GREEN, "Framework live; first monthly report attached.", True),
                ],
            ),
            F(
                "CoC2",
                FindingKind.CAUSE_OF_CONCERN,
                "The force does not supervise child abuse investigations effectively",
                ("investigation",),
                status=Status.IN_PROGRESS,
            ),
            F(
                "R5",
                FindingKind.RECOMMENDATION,
                "Within six months, the force should make sure that every child abuse "
                "investigation has a documented supervisory review at least every 28 days.",
                ("investigation",),
                parent="CoC2",
                timeframe="Within six months",
                due=183,
                status=Status.IN_PROGRESS,
                rag=Rag.AMBER,
                updates=[
                    (200, Rag.AMBER, "Supervision template built into the crime system.", False),
                    (60, Rag.GREEN, "Audit shows 91% compliance; evidence attached.", True),
                ],
            ),
            F(
                "R6",
                FindingKind.RECOMMENDATION,
                "Within twelve months, the force should make sure it has enough trained "
                "investigators in its child abuse investigation team.",
                ("investigation", "workforce"),
                parent="CoC2",
                timeframe="Within twelve months",
                due=365,
                status=Status.IN_PROGRESS,
                rag=Rag.AMBER,
                owner="forcelead2",
                updates=[
                    (240, Rag.AMBER, "Precept-funded uplift of eight investigators agreed.", False),
                    (45, Rag.AMBER, "Six of eight posts filled; two in vetting.", False),
                ],
            ),
            F(
                "AFI1",
                FindingKind.AREA_FOR_IMPROVEMENT,
                "The force should improve how it records the ethnicity of people stopped "
                "and searched.",
                ("leadership",),
                status=Status.IN_PROGRESS,
                rag=Rag.AMBER,
                updates=[(150, Rag.AMBER, "Mandatory field added to the search app.", False)],
            ),
            F(
                "AFI2",
                FindingKind.AREA_FOR_IMPROVEMENT,
                "The force should make sure that victims are kept informed about the "
                "progress of their case.",
                ("investigation",),
                status=Status.NOT_STARTED,
            ),
            F(
                "AFI3",
                FindingKind.AREA_FOR_IMPROVEMENT,
                "The force should develop its understanding of the wellbeing needs of its "
                "workforce.",
                ("workforce",),
                status=Status.CLOSED,
                rag=Rag.GREEN,
                owner="forcelead2",
                updates=[(100, Rag.GREEN, "Wellbeing survey run; action plan adopted.", True)],
            ),
        ]
        for spec in specs:
            self.finding(report, force, spec)
        r5 = self.findings[(report.title, "R5")]
        self.decision(
            r5,
            AssuranceOutcome.CHALLENGED,
            "The audit covers one district only. Please provide force-wide figures.",
            40,
        )
        r1 = self.findings[(report.title, "R1")]
        self.decision(r1, AssuranceOutcome.ACCEPTED, "Dip sample verified by OPCC analyst.", 320)
        afi3 = self.findings[(report.title, "AFI3")]
        self.decision(afi3, AssuranceOutcome.ACCEPTED, "Survey results seen.", 90)
        return report

    def seed_ncpi(self, force: Force) -> Report:
        published = self.days_ago(120)
        report = self.report(
            force,
            ReportKind.NCPI,
            "National child protection inspection of Northmoor Constabulary (illustrative)",
            published_on=published,
            url="https://example.org/illustrative/ncpi-northmoor",
            summary="Illustrative NCPI report. Its themes echo the PEEL causes of concern.",
            chief_constable_comments_by=published + timedelta(days=30),
            response_published_on=published + timedelta(days=54),
            response_url="https://example.org/illustrative/pcc-response-ncpi",
        )
        self.judgments(
            report,
            "National child protection inspection (2024 methodology)",
            [
                "requires_improvement",
                "adequate",
                "inadequate",
                "requires_improvement",
                "inadequate",
            ],
        )
        specs = [
            F(
                "R1",
                FindingKind.RECOMMENDATION,
                "Within six weeks, the force should agree with partners a single "
                "procedure for reassessing risk to missing children at each handover.",
                ("risk-referral", "partnership"),
                timeframe="Within six weeks",
                due=42,
                status=Status.IN_PROGRESS,
                rag=Rag.RED,
                owner="forcelead2",
                updates=[
                    (100, Rag.AMBER, "Joint procedure drafted with children's services.", False),
                    (30, Rag.RED, "Sign-off delayed by the partnership board.", False),
                ],
            ),
            F(
                "R2",
                FindingKind.RECOMMENDATION,
                "Within three months, the force should make sure that strategy discussions "
                "take place promptly and that police attend them.",
                ("partnership", "initial-response"),
                timeframe="Within three months",
                due=91,
                status=Status.IN_PROGRESS,
                rag=Rag.AMBER,
                updates=[(50, Rag.AMBER, "Attendance now tracked daily.", False)],
            ),
            F(
                "R3",
                FindingKind.RECOMMENDATION,
                "Within six months, the force should make sure that investigations of "
                "online child sexual abuse are allocated and supervised without delay.",
                ("investigation",),
                timeframe="Within six months",
                due=183,
                status=Status.NOT_STARTED,
            ),
            F(
                "R4",
                FindingKind.RECOMMENDATION,
                "Within six months, the force should make sure that officers and staff "
                "who deal with children receive training in recognising exploitation.",
                ("workforce", "initial-response"),
                timeframe="Within six months",
                due=183,
                status=Status.IN_PROGRESS,
                rag=Rag.GREEN,
                updates=[(20, Rag.GREEN, "E-learning at 85% completion.", False)],
            ),
        ]
        for spec in specs:
            self.finding(report, force, spec)
        return report

    def seed_thematic(self, force: Force) -> Report:
        published = self.days_ago(40)
        report = self.report(
            None,
            ReportKind.THEMATIC,
            "A national inspection of vetting and counter-corruption (illustrative)",
            published_on=published,
            summary="Illustrative national thematic report addressed to all chief constables.",
            chief_constable_comments_by=published + timedelta(days=35),
        )
        not_later_than = self.today + timedelta(days=12)
        specs = [
            F(
                "R1",
                FindingKind.RECOMMENDATION,
                f"Not later than {not_later_than:%-d %B %Y}, chief constables should make "
                "sure that all officers and staff hold vetting at the right level for their post.",
                ("vetting",),
                timeframe=f"Not later than {not_later_than:%-d %B %Y}",
                due_on=not_later_than,
                status=Status.IN_PROGRESS,
                rag=Rag.AMBER,
                updates=[(10, Rag.AMBER, "Vetting backlog halved.", False)],
            ),
            F(
                "R2",
                FindingKind.RECOMMENDATION,
                "With immediate effect, chief constables should make sure that intelligence "
                "about possible corruption is assessed and recorded.",
                ("vetting",),
                timeframe="With immediate effect",
                due=0,
                status=Status.NO_FURTHER_ACTION,
                owner=None,
                reason="Already in place: the force's anti-corruption unit assesses all reports.",
            ),
            F(
                "AFI1",
                FindingKind.AREA_FOR_IMPROVEMENT,
                "Forces should improve the quality of their vetting decision records.",
                ("vetting",),
                status=Status.NOT_STARTED,
            ),
        ]
        for spec in specs:
            self.finding(report, force, spec)
        return report

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
            self.upsert(
                PpogMeeting,
                {"monitoring_period": engage, "meets_on": engaged_on + timedelta(days=offset)},
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
