"""The domain: HMICFRS reports, their findings, and the progress made on them.

Business rules that belong to one row live on the model; reusable filters live
on the querysets, built from `recommendations.rules`. Writes that touch several
rows are in `services.py`.
"""

from recommendations.choices import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    ActionStatus,
    AssuranceOutcome,
    ClosureBasis,
    FindingKind,
    Grade,
    HmicfrsStatus,
    MonitoringPhase,
    Rag,
    ReportKind,
    Role,
    Status,
)
from recommendations.models.findings import (
    Action,
    ActionQuerySet,
    DueDateRevision,
    Finding,
    FindingQuerySet,
    Theme,
)
from recommendations.models.forces import Force, MonitoringPeriod, PpogMeeting, User
from recommendations.models.posts import Post, PostHolding
from recommendations.models.progress import (
    AssuranceDecision,
    Evidence,
    ProgressUpdate,
    evidence_storage_name,
)
from recommendations.models.reports import (
    S55_RESPONSE_DAYS,
    AssessmentArea,
    Framework,
    GradedJudgment,
    Report,
    ReportQuerySet,
)

__all__ = [
    "ACTIVE_STATUSES",
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "S55_RESPONSE_DAYS",
    "Action",
    "ActionQuerySet",
    "ActionStatus",
    "AssessmentArea",
    "AssuranceDecision",
    "AssuranceOutcome",
    "ClosureBasis",
    "DueDateRevision",
    "Evidence",
    "Finding",
    "FindingKind",
    "FindingQuerySet",
    "Force",
    "Framework",
    "Grade",
    "GradedJudgment",
    "HmicfrsStatus",
    "MonitoringPeriod",
    "MonitoringPhase",
    "Post",
    "PostHolding",
    "PpogMeeting",
    "ProgressUpdate",
    "Rag",
    "Report",
    "ReportKind",
    "ReportQuerySet",
    "Role",
    "Status",
    "Theme",
    "User",
    "evidence_storage_name",
]
