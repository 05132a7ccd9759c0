"""The vocabulary of the domain: the choices that models, rules and forms share."""

from django.db import models


class Role(models.TextChoices):
    """Each role is a Django group whose permissions a migration creates."""

    OPCC_STAFF = "OPCC staff"
    FORCE_LEAD = "Force lead"
    VIEWER = "Viewer"
    ADMINISTRATOR = "Administrator"


class MonitoringPhase(models.TextChoices):
    SCAN = "scan", "Scan"
    ENGAGE = "engage", "Engage"


class ReportKind(models.TextChoices):
    PEEL = "peel", "PEEL inspection"
    NCPI = "ncpi", "National child protection inspection"
    NCPI_REINSPECTION = "ncpi_reinspection", "NCPI re-inspection"
    THEMATIC = "thematic", "Thematic or national inspection"
    JOINT = "joint", "Joint inspection"
    REVISIT_LETTER = "revisit_letter", "Cause of concern revisit letter"
    OTHER = "other", "Other"


class Grade(models.TextChoices):
    """Every grade HMICFRS has used, best first. Each framework grades on its own scale,
    drawn from these (`Framework.grades`): a grade means what its cycle says it means."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


# PEEL from 2021/22 (and NCPI from 2024) grades on five points; PEEL 2014 to 2018/19
# graded on four, without "Adequate".
FIVE_POINT_SCALE = (
    Grade.OUTSTANDING,
    Grade.GOOD,
    Grade.ADEQUATE,
    Grade.REQUIRES_IMPROVEMENT,
    Grade.INADEQUATE,
)
FOUR_POINT_SCALE = (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE)


class FindingKind(models.TextChoices):
    CAUSE_OF_CONCERN = "cause_of_concern", "Cause of concern"
    RECOMMENDATION = "recommendation", "Recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    REPORTED_COMPLETE = "reported_complete", "Reported complete"
    ASSURED = "assured", "Assured by OPCC"
    CLOSED = "closed", "Closed by HMICFRS"
    SUPERSEDED = "superseded", "Superseded"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class AssuranceOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    CHALLENGED = "challenged", "Challenged"


# The force still has work to do: these can be overdue and get reminders.
ACTIVE_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
# Not finished with: active, or waiting for the OPCC's assurance or HMICFRS's closure.
OPEN_STATUSES = (*ACTIVE_STATUSES, Status.REPORTED_COMPLETE, Status.ASSURED)
FINISHED_STATUSES = (Status.CLOSED, Status.SUPERSEDED, Status.NO_FURTHER_ACTION)


class ClosureBasis(models.TextChoices):
    """How HMICFRS closed a finding: most recommendations by a status change on its
    monitoring portal, causes of concern by letter."""

    LETTER = "letter", "HMICFRS letter"
    PORTAL = "portal", "Status change on HMICFRS's monitoring portal"


class HmicfrsStatus(models.TextChoices):
    """The statuses HMICFRS shows on its monitoring portal and public register."""

    AWAITING_REVIEW = "awaiting_review", "Awaiting review"
    BEING_PROGRESSED = "being_progressed", "Being progressed"
    COMPLETED = "completed", "Completed"
    NO_FURTHER_ACTION_NEEDED = "no_further_action_needed", "No further action needed"
    SUPERSEDED = "superseded", "Superseded"
