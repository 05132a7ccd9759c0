"""Pages for sessions: the list, planning, the agenda and the meeting's record on one
page, questions and answers, and the agenda pack and minutes (print page, PDF, Word).

Thin views: an access-checked get, a form, a service, then redirect or render. A
session of a force the user does not see is not there (404); a page the user's role
does not allow is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability import access, documents, services
from accountability.forms import (
    ActionForm,
    AnswerForm,
    ItemAddForm,
    ItemForm,
    QuestionForm,
    RecordForm,
    SessionForm,
)
from accountability.models import AgendaItem, Question, Session
from audit import services as audit

GET_POST = require_http_methods(["GET", "POST"])


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _session(request: HttpRequest, pk: int) -> Session:
    """A session of a force the user sees; others' are not there (404)."""
    _require(request.user.has_perm("accountability.view_session"))
    found = Session.objects.visible_to(request.user).select_related("force")
    return get_object_or_404(found, pk=pk)


def _managed(request: HttpRequest, pk: int) -> Session:
    session = _session(request, pk)
    _require(access.can_manage(request.user, session))
    return session


def _item(request: HttpRequest, pk: int) -> AgendaItem:
    _require(request.user.has_perm("accountability.view_session"))
    found = AgendaItem.objects.select_related(
        "session__force", "finding__report", "finding__owner_post__holder", "report", "action"
    )
    if request.user.force_id is not None:
        found = found.filter(session__force_id=request.user.force_id)
    item = get_object_or_404(found, pk=pk)
    _require(access.can_manage(request.user, item.session))
    return item


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# ---------------------------------------------------------------- sessions


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    _require(request.user.has_perm("accountability.view_session"))
    sessions = (
        Session.objects.visible_to(request.user)
        .select_related("force")
        .prefetch_related("items")
        .order_by("-held_on", "-pk")
    )
    today = timezone.localdate()
    context = {
        "upcoming": [s for s in sessions if s.held_on >= today][::-1],
        "past": [s for s in sessions if s.held_on < today],
        "can_plan": request.user.has_perm("accountability.add_session"),
        "current": "sessions",
    }
    return render(request, "accountability/session_list.html", context)


@GET_POST
def session_create(request: HttpRequest) -> HttpResponse:
    _require(request.user.has_perm("accountability.add_session"))
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Session planned. Propose its agenda next.")
            return redirect(session)
    context = {"form": form, "title": "Plan a session", "current": "sessions"}
    return render(request, "accountability/session_form.html", context)


@GET_POST
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed(request, pk)
    form = SessionForm(request.POST or None, user=request.user, session=session)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.session_update(session=session, by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Session saved.")
            return redirect(session)
    context = {"form": form, "session": session, "title": f"Edit {session}", "current": "sessions"}
    return render(request, "accountability/session_form.html", context)


def _agenda_items(session: Session) -> list[AgendaItem]:
    """The agenda with everything its page, pack and minutes show, in a fixed number of
    queries however long it is."""
    from recommendations.models import ProgressUpdate

    latest = ProgressUpdate.objects.order_by("-as_at", "-created_at")
    questions = Question.objects.select_related("to_post__holder", "answer__answered_by")
    return list(
        session.items.select_related(
            "finding__report",
            "finding__owner_post__holder",
            "finding__owner",
            "report",
            "action__owner_post__holder",
            "record__recorded_by",
        )
        .prefetch_related(
            Prefetch("finding__updates", queryset=latest[:1], to_attr="latest_updates"),
            Prefetch("questions", queryset=questions),
            "actions__action__owner_post__holder",
        )
        .order_by("order", "pk")
    )


def _groups(items: list[AgendaItem]) -> list[tuple[str, list[AgendaItem]]]:
    groups: dict[str, list[AgendaItem]] = {}
    for item in items:
        groups.setdefault(item.get_group_display(), []).append(item)
    return list(groups.items())


def _attendees(session: Session) -> list[str]:
    """Who attends, as the pages and documents list them: posts (with their holders),
    people, then anyone else, one a line."""
    names = [post.label for post in session.attendee_posts.select_related("holder")]
    names += [str(person) for person in session.attendee_people.all()]
    return names + [line.strip() for line in session.other_attendees.splitlines() if line.strip()]


def _session_context(request: HttpRequest, session: Session, **more: Any) -> dict[str, Any]:
    items = _agenda_items(session)
    user = request.user
    return {
        "session": session,
        "groups": _groups(items),
        "items": items,
        "today": timezone.localdate(),
        "can_manage": access.can_manage(user, session),
        "answerable": {
            question.pk
            for item in items
            for question in item.questions.all()
            if session.answers_open
            and access.holds(user, question)
            and user.has_perm("accountability.add_answer")
        },
        "attendees": _attendees(session),
        "current": "sessions",
        **more,
    }


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    context = _session_context(request, session)
    if context["can_manage"] and session.agenda_open:
        context["add_form"] = ItemAddForm(session=session)
    return render(request, "accountability/session_detail.html", context)


@require_POST
def agenda_propose(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed(request, pk)
    try:
        added = services.agenda_propose(session=session, by=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{len(added)} item{'s' if len(added) != 1 else ''} added.")
    return redirect(session)


@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed(request, pk)
    form = ItemAddForm(request.POST, session=session)
    if form.is_valid():
        try:
            services.agenda_item_add(
                session=session, finding=form.cleaned_data["finding"], by=request.user
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "Added to the agenda.")
    else:
        messages.error(request, "Choose an open finding of the force that is not on the agenda.")
    return redirect(session)


@require_POST
def agenda_issue(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed(request, pk)
    try:
        told = services.agenda_issue(session=session, by=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            f"Agenda issued. {told} owner{'s' if told != 1 else ''} newly told by email "
            "(in their next reminder digest); no one is told twice.",
        )
    return redirect(session)


@require_POST
def session_held(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed(request, pk)
    try:
        services.session_mark_held(session=session, by=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Marked as held. Record each item, then approve the minutes.")
    return redirect(session)


@require_POST
def minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed(request, pk)
    try:
        services.minutes_approve(session=session, by=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Minutes approved.")
    return redirect(session)


# ---------------------------------------------------------------- items


def _item_page(request: HttpRequest, item: AgendaItem, form: Any, title: str) -> HttpResponse:
    context = {"item": item, "session": item.session, "form": form, "title": title}
    return render(request, "accountability/item_form.html", {**context, "current": "sessions"})


@GET_POST
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(item.session)
    return _item_page(request, item, form, "Edit the agenda item")


@require_POST
def item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        services.agenda_item_remove(item=item, by=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Removed from the agenda.")
    return redirect(item.session)


@GET_POST
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = QuestionForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_ask(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Question added.")
            return redirect(item.session)
    return _item_page(request, item, form, "Ask the force a question")


@GET_POST
def item_record(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    record = getattr(item, "record", None)
    initial = {"said": record.said, "decision": record.decision} if record else None
    form = RecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.item_record(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Recorded. {saved.workflow_note}".strip())
            return redirect(item.session)
    return _item_page(request, item, form, "Record the discussion and decision")


@GET_POST
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ActionForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_action_add(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Action added: it is now on the finding and reminded.")
            return redirect(item.session)
    return _item_page(request, item, form, "Agree an action")


@GET_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user.has_perm("accountability.view_session"))
    found = Question.objects.select_related(
        "item__session__force", "item__finding", "item__report", "to_post__holder", "answer"
    )
    if request.user.force_id is not None:
        found = found.filter(item__session__force_id=request.user.force_id)
    question = get_object_or_404(found, pk=pk)
    _require(access.can_answer(request.user, question))
    existing = getattr(question, "answer", None)
    form = AnswerForm(request.POST or None, initial={"text": existing.text if existing else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_give(question=question, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Answer saved. You can change it until the meeting.")
            return redirect(question.item.session)
    context = {
        "question": question,
        "item": question.item,
        "session": question.item.session,
        "form": form,
        "title": "Answer the OPCC's question",
        "current": "sessions",
    }
    return render(request, "accountability/item_form.html", context)


# ---------------------------------------------------------------- the pack and the minutes


def _document_context(request: HttpRequest, session: Session, *, for_pdf: bool) -> dict:
    context = _session_context(request, session)
    return {**context, "for_pdf": for_pdf, "now": timezone.localtime()}


def _record_output(request: HttpRequest, session: Session, what: str, file_format: str) -> None:
    """The pack and the minutes carry findings and the force's answers: who took one is
    on the audit trail, as for the accountability pack."""
    audit.record(
        audit.Event.PACK_PRODUCED,
        request=request,
        obj=session,
        detail={"document": what, "format": file_format},
    )


def _printed(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    session = _session(request, pk)
    context = _document_context(request, session, for_pdf=False)
    response = render(request, f"accountability/{what}.html", context)
    _record_output(request, session, what, "html")
    return response


def _pdf(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    session = _session(request, pk)
    context = _document_context(request, session, for_pdf=True)
    html = render_to_string(f"accountability/{what}.html", context, request=request)
    response = HttpResponse(documents.as_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{documents.filename(session, what)}.pdf"'
    )
    _record_output(request, session, what, "pdf")
    return response


def _docx(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    session = _session(request, pk)
    items = _agenda_items(session)
    build = documents.agenda_docx if what == "agenda" else documents.minutes_docx
    response = HttpResponse(
        build(session, _groups(items)),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = documents.filename(session, what)
    response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
    _record_output(request, session, what, "docx")
    return response


@require_GET
def agenda_print(request: HttpRequest, pk: int) -> HttpResponse:
    return _printed(request, pk, "agenda")


@require_GET
def agenda_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, pk, "agenda")


@require_GET
def agenda_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx(request, pk, "agenda")


@require_GET
def minutes_print(request: HttpRequest, pk: int) -> HttpResponse:
    return _printed(request, pk, "minutes")


@require_GET
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, pk, "minutes")


@require_GET
def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx(request, pk, "minutes")
