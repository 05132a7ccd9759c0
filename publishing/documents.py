"""The drafted statement: the shape of a published s.55 response, built from the report,
its judgments, its findings and the response, as a Word document (python-docx) and as a
print page / PDF (WeasyPrint, imported only when a PDF is asked for).

The shape: the report and its headline conclusion; the PCC's view; what the force has
done and is doing; how the PCC will scrutinise progress; what happens next (with
HMICFRS's timeframes and, for a force in Engage, the route out); then the response to
each recommendation, and the chief constable's comments when there are any.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

from publishing.models import RecommendationResponse, S55Response
from recommendations.models import GradedJudgment, MonitoringPeriod, MonitoringPhase

STATEMENT_STYLESHEET = "css/statement.css"


def paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines; single line breaks stay inside a paragraph."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


@dataclass(frozen=True)
class Statement:
    response: S55Response
    judgments: list[GradedJudgment]
    answers: list[RecommendationResponse]
    engage: MonitoringPeriod | None
    today: date

    @property
    def title(self) -> str:
        return (
            "Response of the Police and Crime Commissioner to HMICFRS's report "
            f"“{self.response.report.title}”"
        )

    def sections(self) -> list[tuple[str, list[str]]]:
        """The narrative parts as (heading, paragraphs), "What happens next" with the
        timeframes and Engage added."""
        sections = []
        for heading, text in self.response.narrative():
            parts = paragraphs(text)
            if heading == "What happens next":
                parts += self.timeframes()
            sections.append((heading, parts or ["(To be written.)"]))
        return sections

    def timeframes(self) -> list[str]:
        lines = []
        dated = [a for a in self.answers if a.finding.due_on]
        if dated:
            lines.append(
                "HMICFRS's timeframes: "
                + "; ".join(
                    f"{a.finding.reference} by {a.finding.due_on:%-d %B %Y}"
                    for a in sorted(dated, key=lambda a: a.finding.due_on)
                )
                + "."
            )
        if self.engage is not None:
            lines.append(
                f"{self.response.force} has been in HMICFRS's enhanced monitoring (Engage) "
                f"since {self.engage.started_on:%-d %B %Y}. It returns to routine monitoring "
                "(Scan) when HMICFRS is satisfied that the causes of concern have been "
                "addressed; the PCC expects this work to be done within HMICFRS's timeframes."
            )
        return lines


def statement(response: S55Response, *, today: date) -> Statement:
    report = response.report
    answers = list(
        response.recommendation_responses.select_related("finding").order_by("finding__reference")
    )
    engage = MonitoringPeriod.objects.filter(
        force_id=response.force_id, phase=MonitoringPhase.ENGAGE, ended_on__isnull=True
    ).first()
    judgments = list(report.judgments.select_related("area").order_by("area__position"))
    return Statement(response, judgments, answers, engage, today)


def as_docx(statement: Statement) -> bytes:
    """The statement as an editable Word document."""
    from docx import Document

    response = statement.response
    document = Document()
    document.core_properties.title = statement.title
    document.add_heading(statement.title, level=1)
    document.add_paragraph(
        f"{response.report.get_kind_display()} report published by HMICFRS on "
        f"{response.report.published_on:%-d %B %Y}. Force: {response.force}."
    )
    if statement.judgments:
        document.add_heading("HMICFRS's judgments", level=2)
        table = document.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Area", "Grade"
        for judgment in statement.judgments:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = judgment.area.name, judgment.get_grade_display()
    for heading, parts in statement.sections():
        document.add_heading(heading, level=2)
        for part in parts:
            document.add_paragraph(part)
    document.add_heading("Response to each recommendation", level=2)
    if not statement.answers:
        document.add_paragraph("The report makes no recommendations to the force or the PCC.")
    for answer in statement.answers:
        finding = answer.finding
        document.add_heading(f"Recommendation {finding.reference}", level=3)
        document.add_paragraph(finding.text, style="Quote")
        if answer.no_action_reason:
            document.add_paragraph("No action will be taken, because:")
            parts = paragraphs(answer.no_action_reason)
        else:
            parts = paragraphs(answer.steps) or ["(To be written.)"]
        for part in parts:
            document.add_paragraph(part)
    if response.chief_constable_comments:
        document.add_heading("The chief constable's comments", level=2)
        for part in paragraphs(response.chief_constable_comments):
            document.add_paragraph(part)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class NoFetching(ValueError):
    pass


def _refuse(url: str, *args: object, **kwargs: object) -> dict:
    # The statement is self-contained; refusing every fetch means no text typed into a
    # response can make the server request a URL or read a local file while rendering.
    raise NoFetching(f"The statement fetches nothing; refused {url!r}.")


def as_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML

    stylesheet = Path(finders.find(STATEMENT_STYLESHEET)).read_text(encoding="utf-8")
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=_refuse)
    return document.write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=_refuse)])


def context(statement: Statement, **more: Any) -> dict[str, Any]:
    return {"statement": statement, "response": statement.response, **more}
