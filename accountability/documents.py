"""The agenda pack and the minutes as Word documents (python-docx, as the s.55
statement), and as PDF through the accountability pack's WeasyPrint set-up (its
stylesheet, and its refusal to fetch anything while rendering)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from dashboards import pdf
from publishing.documents import paragraphs

if TYPE_CHECKING:
    from accountability.models import AgendaItem, Session

Groups = list[tuple[str, list["AgendaItem"]]]


def filename(session: Session, what: str) -> str:
    return f"session-{what}-{session.force.slug}-{session.held_on:%Y-%m-%d}"


def as_pdf(html: str) -> bytes:
    return pdf.render_pdf(html)


def _heading(session: Session, what: str) -> str:
    return f"{what}: {session.name}, {session.held_on:%-d %B %Y}"


def _document(session: Session, what: str) -> Any:
    from docx import Document

    document = Document()
    title = _heading(session, what)
    document.core_properties.title = title
    document.add_heading(title, level=1)
    document.add_paragraph(
        f"{session.get_kind_display()} of the Office of the Police and Crime Commissioner "
        f"with {session.force}. Status: {session.get_status_display().lower()}."
    )
    attendees = [post.label for post in session.attendee_posts.select_related("holder")]
    attendees += [str(person) for person in session.attendee_people.all()]
    attendees += [line.strip() for line in session.other_attendees.splitlines() if line.strip()]
    if attendees:
        document.add_paragraph("Attending: " + "; ".join(attendees) + ".")
    return document


def _subject(document: Any, item: AgendaItem, number: str) -> None:
    document.add_heading(f"{number} {item.subject}", level=3)
    finding = item.finding
    if finding is not None:
        facts = [
            f"Owner: {finding.owner_label or 'none'}",
            f"Status: {finding.get_status_display()}",
        ]
        if finding.due_on:
            facts.append(f"Due: {finding.due_on:%-d %B %Y}")
        facts.append(f"Force's RAG: {finding.get_rag_display() or 'not rated'}")
        facts.append(f"OPCC rating: {finding.get_opcc_rag_display() or 'not rated'}")
        document.add_paragraph(". ".join(facts) + ".")
        latest = getattr(finding, "latest_updates", [])
        if latest:
            document.add_paragraph(f"Latest update, as at {latest[0].as_at:%-d %B %Y}:")
            for part in paragraphs(latest[0].narrative):
                document.add_paragraph(part, style="Quote")
    if item.action_id is not None:
        action = item.action
        due = f", due {action.due_on:%-d %B %Y}" if action.due_on else ""
        document.add_paragraph(
            f"Action owner: {action.owner_label or 'none'}{due}; "
            f"state: {action.get_status_display().lower()}."
        )
    if item.note:
        document.add_paragraph(f"OPCC's note: {item.note}")
    for question in item.questions.all():
        to = f" (to {question.to_post.label})" if question.to_post else ""
        document.add_paragraph(f"Question{to}: {question.text}")
        answer = getattr(question, "answer", None)
        if answer is not None:
            document.add_paragraph(f"Answer from {answer.post.title}: {answer.text}")


def agenda_docx(session: Session, groups: Groups) -> bytes:
    document = _document(session, "Agenda")
    if not groups:
        document.add_paragraph("The agenda is empty.")
    for number, (label, items) in enumerate(groups, start=1):
        document.add_heading(f"{number}. {label}", level=2)
        for sub, item in enumerate(items, start=1):
            _subject(document, item, f"{number}.{sub}")
    return _saved(document)


def minutes_docx(session: Session, groups: Groups) -> bytes:
    document = _document(session, "Minutes")
    if session.minutes_approved_at:
        document.add_paragraph(
            f"Approved by {session.minutes_approved_by} on {session.minutes_approved_at:%-d %B %Y}."
        )
    else:
        document.add_paragraph("Draft: not yet approved.")
    decisions = document.add_table(rows=1, cols=3)
    decisions.rows[0].cells[0].text = "Item"
    decisions.rows[0].cells[1].text = "Decision"
    decisions.rows[0].cells[2].text = "Actions"
    for number, (label, items) in enumerate(groups, start=1):
        document.add_heading(f"{number}. {label}", level=2)
        for sub, item in enumerate(items, start=1):
            _subject(document, item, f"{number}.{sub}")
            record = getattr(item, "record", None)
            if record is not None:
                document.add_paragraph(f"Discussed: {record.said}")
                document.add_paragraph(
                    f"Decision: {record.get_decision_display()}. {record.workflow_note}".strip()
                )
            else:
                document.add_paragraph("Not recorded.")
            links = list(item.actions.all())
            for link in links:
                action = link.action
                due = f" by {action.due_on:%-d %B %Y}" if action.due_on else ""
                document.add_paragraph(
                    f"Action: {action.description} (owner: {action.owner_label or 'none'}{due})",
                    style="List Bullet",
                )
            cells = decisions.add_row().cells
            cells[0].text = f"{number}.{sub} {item.subject}"
            cells[1].text = record.get_decision_display() if record else "Not recorded"
            cells[2].text = "; ".join(link.action.description for link in links)
    return _saved(document)


def _saved(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
