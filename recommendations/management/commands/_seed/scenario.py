"""The demo's three reports and their findings: a PEEL inspection, a child protection
inspection echoing it, and a national thematic report.

Every text here is written for this demo in the HMICFRS style; none is real HMICFRS
text, and the force is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from recommendations.models import (
    AssuranceOutcome,
    FindingKind,
    Force,
    Rag,
    Report,
    ReportKind,
    Status,
)

if TYPE_CHECKING:
    from recommendations.models import Finding


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


class DemoReports:
    """The reports the demo seeds; mixed into `Seeder`, whose helpers they call."""

    today: date
    findings: dict[tuple[str, str], Finding]

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
                "adequate",  # recording data about crime
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
