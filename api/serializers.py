"""What the API says of each object: the same facts as the pages, flattened for tools
such as Power BI (names rather than nested objects, ISO dates)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from accountability.models import AgendaItem, Session, SessionAction
from recommendations.models import Action, Finding, Report
from recommendations.models.findings import owner_label
from recommendations.models.reports import s55_last_day


class ReportSerializer(serializers.ModelSerializer):
    force = serializers.CharField(source="force.name", default="", read_only=True)
    framework = serializers.CharField(source="framework.name", default="", read_only=True)
    s55_last_day = serializers.SerializerMethodField()
    judgments = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "title",
            "force",
            "framework",
            "published_on",
            "url",
            "s55_last_day",
            "response_published_on",
            "response_url",
            "entered_after_the_fact",
            "judgments",
            "web_url",
        ]

    def get_s55_last_day(self, report: Report) -> str | None:
        if report.force_id is None:
            return None  # a national report's response is each force's own
        return s55_last_day(report.published_on).isoformat()

    def get_judgments(self, report: Report) -> list[dict[str, str]]:
        return [
            {"area": judgment.area.name, "grade": judgment.get_grade_display()}
            for judgment in report.judgments.all()
        ]

    def get_web_url(self, report: Report) -> str:
        return reverse("recommendations:report-detail", args=[report.pk])


class FindingSerializer(serializers.ModelSerializer):
    report = serializers.IntegerField(source="report_id", read_only=True)
    report_title = serializers.CharField(source="report.title", read_only=True)
    force = serializers.CharField(source="force.name", default="", read_only=True)
    parent = serializers.IntegerField(source="parent_id", default=None, read_only=True)
    force_rating = serializers.CharField(source="rag", read_only=True)
    opcc_rating = serializers.CharField(source="opcc_rag", read_only=True)
    owner = serializers.SerializerMethodField()
    opcc_lead = serializers.SerializerMethodField()
    themes = serializers.SerializerMethodField()
    latest_update = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "report",
            "report_title",
            "force",
            "kind",
            "reference",
            "text",
            "parent",
            "status",
            "force_rating",
            "opcc_rating",
            "original_due_on",
            "due_on",
            "closed_on",
            "owner",
            "opcc_lead",
            "hmicfrs_id",
            "hmicfrs_status",
            "themes",
            "latest_update",
            "updated_at",
            "web_url",
        ]

    def get_owner(self, finding: Finding) -> str:
        return owner_label(finding)

    def get_opcc_lead(self, finding: Finding) -> str:
        return str(finding.opcc_lead) if finding.opcc_lead_id else ""

    def get_themes(self, finding: Finding) -> list[str]:
        return [theme.name for theme in finding.themes.all()]

    def get_latest_update(self, finding: Finding) -> dict[str, Any] | None:
        latest = finding.latest_updates[0] if finding.latest_updates else None
        if latest is None:
            return None
        return {
            "as_at": latest.as_at.isoformat(),
            "rating": latest.rag,
            "narrative": latest.narrative,
            "reports_complete": latest.reports_complete,
            "author": str(latest.author) if latest.author_id else "",
        }

    def get_web_url(self, finding: Finding) -> str:
        return reverse("recommendations:finding-detail", args=[finding.pk])


class ActionSerializer(serializers.ModelSerializer):
    finding = serializers.IntegerField(source="finding_id", read_only=True)
    finding_reference = serializers.CharField(source="finding.reference", read_only=True)
    report_title = serializers.CharField(source="finding.report.title", read_only=True)
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "finding",
            "finding_reference",
            "report_title",
            "description",
            "owner",
            "due_on",
            "status",
            "completed_on",
        ]

    def get_owner(self, action: Action) -> str:
        return owner_label(action)


class AgendaItemSerializer(serializers.ModelSerializer):
    """One item of a session's agenda, with what was said and decided if recorded."""

    finding = serializers.IntegerField(source="finding_id", default=None, read_only=True)
    finding_reference = serializers.SerializerMethodField()
    report = serializers.IntegerField(source="report_id", default=None, read_only=True)
    action = serializers.IntegerField(source="action_id", default=None, read_only=True)
    questions = serializers.SerializerMethodField()
    said = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "group",
            "order",
            "finding",
            "finding_reference",
            "report",
            "action",
            "note",
            "questions",
            "said",
            "decision",
        ]

    def get_finding_reference(self, item: AgendaItem) -> str:
        return item.finding.reference if item.finding_id is not None else ""

    def get_questions(self, item: AgendaItem) -> list[dict[str, str]]:
        rows = []
        for question in item.questions.all():
            answer = getattr(question, "answer", None)
            rows.append({"question": question.text, "answer": answer.text if answer else ""})
        return rows

    def _record(self, item: AgendaItem) -> Any:
        return getattr(item, "record", None)

    def get_said(self, item: AgendaItem) -> str:
        record = self._record(item)
        return record.said if record else ""

    def get_decision(self, item: AgendaItem) -> str:
        record = self._record(item)
        return record.decision if record else ""


class SessionActionSerializer(serializers.ModelSerializer):
    """An action agreed at the session: an ordinary Oversight action."""

    action = serializers.IntegerField(source="action_id", read_only=True)
    finding = serializers.IntegerField(source="action.finding_id", read_only=True)
    description = serializers.CharField(source="action.description", read_only=True)
    owner = serializers.SerializerMethodField()
    due_on = serializers.DateField(source="action.due_on", read_only=True)
    status = serializers.CharField(source="action.status", read_only=True)

    class Meta:
        model = SessionAction
        fields = ["action", "finding", "description", "owner", "due_on", "status"]

    def get_owner(self, link: SessionAction) -> str:
        return owner_label(link.action)


class SessionSerializer(serializers.ModelSerializer):
    force = serializers.CharField(source="force.name", read_only=True)
    items = AgendaItemSerializer(many=True, read_only=True)
    actions = SessionActionSerializer(many=True, read_only=True)
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "force",
            "held_on",
            "kind",
            "title",
            "status",
            "agenda_issued_at",
            "minutes_approved_at",
            "items",
            "actions",
            "web_url",
        ]

    def get_web_url(self, session: Session) -> str:
        return session.get_absolute_url()
