"""Bringing a report in: paste or upload it and review what was found, or import a spreadsheet.

The forms (and the reading they do while cleaning) are in `intake/forms.py`; the review's
working set in `drafts.py`; checking and writing findings in `imports.py`.

OPCC staff only (`recommendations.add_finding`), on reports they can see: others get 403,
and a report of another force is 404, as everywhere else.

The review's working set (a `drafts.Draft`) is kept in the database (`ReviewDraft`), one
per person and report, until it is saved or discarded, or expires after 14 days ("My
drafts" lists them); every change to it carries the draft's revision, so a stale tab
cannot apply an old edit. An HMICFRS letter is reviewed on its own screen
(`report_letter_review`), which proposes the tracked findings it moves (`letters.py`).
A checked spreadsheet waits in private storage for the "Import" click, and is checked
again inside the import's transaction.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from intake import drafts, imports, letters, spreadsheets
from intake.candidates import RowError
from intake.extraction import Extraction
from intake.forms import (
    AddFindingForm,
    DraftFindingForm,
    LetterForm,
    SourceForm,
    SpreadsheetForm,
)
from intake.models import DraftKind, Letter, OutcomeAction, ReviewDraft
from oversight.storage import STORE_ERRORS, STORE_UNAVAILABLE, STORE_UNREADABLE, is_missing, quietly
from recommendations import permissions, uploads
from recommendations.models import FindingKind, Report
from recommendations.services import StaleVersion
from recommendations.views.common import visible_report

logger = logging.getLogger(__name__)

SESSION_IMPORT = "intake.import.{pk}"
IMPORT_FOLDER = "imports"
# Checked spreadsheets nobody imported are removed after this long.
STASH_LIFETIME = timedelta(days=1)
ERRORS_SHOWN = 200
ROWS_SHOWN = 500
# Cards on one page of the review; its source text is shown whole.
FINDINGS_PER_PAGE = 50

NO_DRAFT = "There is no review in progress for this report. Paste or upload the report first."
STALE_DRAFT = (
    "The review changed in another tab or window, so that change was not applied. "
    "This is the latest version."
)
CHOOSE_SPLIT = "Choose where to split it."
SPLIT_AFTER_EDIT = "{ref} was updated. Its text changed, so choose where to split it again."
NOTHING_TO_SAVE = "Every finding has been dropped, so there is nothing to bring in."
STALE_PREVIEW = "That preview has expired or was replaced by another upload. Upload the file again."
CLASHED = (
    "Another finding with one of these references was saved at the same moment, so nothing "
    "was imported. Upload the file again to see which."
)

OPS = ("edit", "merge", "split", "drop", "restore", "save", "discard", "add")


def _report_for_intake(request: HttpRequest, pk: int) -> Report:
    """The report to bring findings into: 404 if unseen; 403 unless the user may add its
    findings (a national report's only by staff who work across all forces)."""
    report = visible_report(request, pk)
    if not permissions.can_add_finding_to(request.user, report):
        raise PermissionDenied
    return report


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------- paste or upload


@require_http_methods(["GET", "POST"])
def report_intake(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for_intake(request, pk)
    form = SourceForm(
        request.POST or None, request.FILES or None, initial={"published_on": report.published_on}
    )
    if request.method == "POST" and form.is_valid():
        extraction: Extraction = form.cleaned_data["extraction"]
        source = form.cleaned_data["source"]
        if form.cleaned_data["letter"] is not None:
            published = form.cleaned_data.get("published_on")
            _store(
                request,
                report,
                DraftKind.LETTER,
                source,
                {"text": extraction.text, "published_on": published and published.isoformat()},
            )
            return redirect("intake:report-letter-review", report.pk)
        draft = drafts.from_extraction(extraction, report_id=report.pk, source=source)
        _store_draft(request, draft)
        return redirect("intake:report-intake-review", report.pk)
    stored = _stored(request, report)
    context = {
        "report": report,
        "form": form,
        "draft": _load_draft(request, report),
        "letter_draft": stored if stored and stored.kind == DraftKind.LETTER else None,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "intake/start.html", context, status=status)


def _stored(request: HttpRequest, report: Report) -> ReviewDraft | None:
    """This person's unexpired review of this report, if any."""
    return (
        ReviewDraft.objects.owned_by(request.user)
        .current(now=timezone.now())
        .filter(report=report)
        .first()
    )


def _store(
    request: HttpRequest, report: Report, kind: DraftKind, source: str, data: dict[str, Any]
) -> None:
    ReviewDraft.objects.owned_by(request.user).expired(now=timezone.now()).delete()
    ReviewDraft.objects.update_or_create(
        owner=request.user,
        report=report,
        defaults={"kind": kind, "source": source[:300], "data": data},
    )


def _load_draft(request: HttpRequest, report: Report) -> drafts.Draft | None:
    stored = _stored(request, report)
    if stored is None or stored.kind != DraftKind.FINDINGS:
        return None
    draft = drafts.from_json(stored.data)
    return draft if draft is not None and draft.report_id == report.pk else None


def _store_draft(request: HttpRequest, draft: drafts.Draft) -> None:
    report = Report.objects.get(pk=draft.report_id)
    _store(request, report, DraftKind.FINDINGS, draft.source, drafts.to_json(draft))


def _forget_draft(request: HttpRequest, report: Report) -> None:
    ReviewDraft.objects.owned_by(request.user).filter(report=report).delete()


# ---------------------------------------------------------------- review


@require_http_methods(["GET", "POST"])
def report_intake_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for_intake(request, pk)
    draft = _load_draft(request, report)
    if draft is None:
        stored = _stored(request, report)
        if stored is not None and stored.kind == DraftKind.LETTER:
            return redirect("intake:report-letter-review", report.pk)
        messages.info(request, NO_DRAFT)
        return redirect("intake:report-intake", report.pk)
    if request.method == "GET":
        return _render_review(request, report, draft)
    op = request.POST.get("op", "")
    if op not in OPS:
        return _render_review(request, report, draft, status=400)
    if request.POST.get("revision") != str(draft.revision):
        return _render_review(request, report, draft, notice=STALE_DRAFT, status=409)
    if op == "discard":
        _forget_draft(request, report)
        messages.info(request, "The review was discarded. Nothing was saved.")
        return redirect(report)
    if op == "save":
        return _save_draft(request, report, draft)
    if op == "add":
        return _add_finding(request, report, draft)
    return _change_draft(request, report, draft, op)


def _add_finding(request: HttpRequest, report: Report, draft: drafts.Draft) -> HttpResponse:
    """Add a finding the engine missed, from a passage selected in the source."""
    form = AddFindingForm(request.POST, parents=_parents(report, draft))
    if not form.is_valid():
        return _render_review(request, report, draft, add_form=form, status=400)
    data = form.cleaned_data
    try:
        added = drafts.add(
            draft,
            kind=data["kind"],
            text=data["text"],
            reference=data["reference"],
            parent=data["parent"],
            timeframe=data["timeframe"],
        )
    except drafts.DraftError as exc:
        return _render_review(request, report, draft, notice=str(exc), status=409)
    draft.revision += 1
    _store_draft(request, draft)
    notice = f"{added.reference} added." + (
        "" if added.spans else " Its text is not in the source, so it is not highlighted."
    )
    if _is_htmx(request):
        return _render_review(request, report, draft, notice=notice, focus=added.key)
    messages.success(request, notice)
    url = reverse("intake:report-intake-review", args=[report.pk])
    return redirect(f"{url}?page={_page_number(draft, added.key) or 1}#finding-{added.key}")


def _change_draft(
    request: HttpRequest, report: Report, draft: drafts.Draft, op: str
) -> HttpResponse:
    key = request.POST.get("key", "")
    try:
        if op == "restore":
            notice, focus = f"{drafts.restore(draft, key).reference} restored.", key
        elif op == "drop":
            notice, focus = _drop(draft, key)
        else:
            finding = draft.get(key)
            form = DraftFindingForm(
                request.POST, draft=draft, finding=finding, parents=_parents(report, draft)
            )
            if form.is_valid() and op == "split" and form.cleaned_data["split_at"] is None:
                form.add_error("split_at", CHOOSE_SPLIT)
            if not form.is_valid():
                return _render_review(request, report, draft, bound={key: form}, status=400)
            notice, focus = _edit(draft, finding, op, form.cleaned_data)
    except drafts.DraftError as exc:
        return _render_review(request, report, draft, notice=str(exc), status=409)
    draft.revision += 1
    _store_draft(request, draft)
    if _is_htmx(request):
        return _render_review(request, report, draft, notice=notice, focus=focus)
    messages.success(request, notice)
    url = reverse("intake:report-intake-review", args=[report.pk])
    number = _page_number(draft, focus) or 1
    return redirect(f"{url}?page={number}#finding-{focus}" if focus else url)


def _drop(draft: drafts.Draft, key: str) -> tuple[str, str]:
    position = draft.index(key)
    reference = draft.findings[position].reference
    unlinked = drafts.drop(draft, key)
    notice = f"{reference} dropped: it will not be brought in."
    if unlinked:
        notice += f" {', '.join(unlinked)} no longer sit under a cause of concern."
    # Focus moves to the finding that took its place.
    following = draft.findings[min(position, len(draft.findings) - 1)] if draft.findings else None
    return notice, following.key if following else ""


def _edit(
    draft: drafts.Draft, finding: drafts.DraftFinding, op: str, data: dict[str, Any]
) -> tuple[str, str]:
    text_changed = data["text"] != finding.text
    unlinked = drafts.update(
        draft,
        finding.key,
        **{
            name: data[name] or ("" if name != "due_on" else None)
            for name in ("kind", "reference", "text", "timeframe", "due_on", "addressee", "parent")
        },
    )
    reference = finding.reference
    if op == "merge":
        position = draft.index(finding.key)
        following = (
            draft.findings[position + 1].reference if position + 1 < len(draft.findings) else ""
        )
        drafts.merge_with_next(draft, finding.key)
        notice = f"{reference} and {following} merged into {reference}."
    elif op == "split" and text_changed:
        notice = SPLIT_AFTER_EDIT.format(ref=reference)
    elif op == "split":
        second = drafts.split(draft, finding.key, data["split_at"])
        notice = f"{reference} split in two: the second part is {second.reference}."
    else:
        notice = f"{reference} updated."
    if unlinked:
        notice += f" {', '.join(unlinked)} no longer sit under a cause of concern."
    return notice, finding.key


def _parents(report: Report, draft: drafts.Draft) -> list[tuple[str, str]]:
    """Causes of concern a recommendation may sit under: the draft's, then the report's."""
    choices = [(f.key, f"{f.reference}: {_short(f.text)}") for f in draft.causes_of_concern()]
    existing = report.findings.filter(kind=FindingKind.CAUSE_OF_CONCERN).order_by("id")
    choices += [
        (f"{drafts.EXISTING_PREFIX}{pk}", f"{reference}: {_short(text)} (already recorded)")
        for pk, reference, text in existing.values_list("pk", "reference", "text")
    ]
    return choices


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Card:
    finding: drafts.DraftFinding
    form: DraftFindingForm
    errors: list[RowError] = field(default_factory=list)
    parent_reference: str = ""
    next_reference: str = ""


def _render_review(
    request: HttpRequest,
    report: Report,
    draft: drafts.Draft,
    *,
    bound: dict[str, DraftFindingForm] | None = None,
    notice: str = "",
    focus: str = "",
    save_errors: list[RowError] | None = None,
    add_form: AddFindingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    parents = _parents(report, draft)
    parent_labels = {key: label.split(":", 1)[0] for key, label in parents}
    errors_by_key: dict[str, list[RowError]] = {}
    for error in save_errors or []:
        if 1 <= error.line <= len(draft.findings):
            errors_by_key.setdefault(draft.findings[error.line - 1].key, []).append(error)
    # The page shown holds the finding the person is working on, else the one asked for.
    shown = focus or next(iter(bound or errors_by_key), "")
    page = _paginator(draft).get_page(
        _page_number(draft, shown) or request.POST.get("page") or request.GET.get("page")
    )
    cards = []
    for index, finding in enumerate(page.object_list, start=page.start_index() - 1):
        form = (bound or {}).get(finding.key) or DraftFindingForm(
            draft=draft, finding=finding, parents=parents
        )
        following = draft.findings[index + 1].reference if index + 1 < len(draft.findings) else ""
        cards.append(
            Card(
                finding,
                form,
                errors_by_key.get(finding.key, []),
                parent_labels.get(finding.parent, ""),
                following,
            )
        )
    links = {f.key: _card_link(draft, f.key, page.number) for f in draft.findings}
    context = {
        "report": report,
        "draft": draft,
        "cards": cards,
        "page": page,
        "query": "",
        "counts": draft.counts(),
        "source_html": drafts.highlight(draft, links=links),
        "notice": notice,
        "focus": focus,
        "save_errors": [
            (e, finding, links[finding.key] if finding else "")
            for e in save_errors or []
            for finding in [
                draft.findings[e.line - 1] if 1 <= e.line <= len(draft.findings) else None
            ]
        ],
        "review_url": reverse("intake:report-intake-review", args=[report.pk]),
        "add_form": add_form or AddFindingForm(parents=parents),
    }
    if _is_htmx(request):
        # htmx swaps only 2xx responses; the page itself says what went wrong.
        status = 200
    return render(request, "intake/review.html", context, status=status)


def _finding_at(
    draft: drafts.Draft, line: int, links: dict[str, str]
) -> tuple[drafts.DraftFinding | None, str]:
    """The finding a save error is about (its place on the screen), and a link to it."""
    if not 1 <= line <= len(draft.findings):
        return None, ""
    finding = draft.findings[line - 1]
    return finding, links[finding.key]


def _paginator(draft: drafts.Draft) -> Paginator:
    return Paginator(draft.findings, FINDINGS_PER_PAGE)


def _page_number(draft: drafts.Draft, key: str) -> int | None:
    """The page a finding's card is on, or None if it is not in the draft."""
    for index, finding in enumerate(draft.findings):
        if finding.key == key:
            return index // FINDINGS_PER_PAGE + 1
    return None


def _card_link(draft: drafts.Draft, key: str, current: int) -> str:
    """A link to a finding's card: on this page, or on the page it is on."""
    number = _page_number(draft, key) or current
    anchor = f"#finding-{key}"
    return anchor if number == current else f"?page={number}{anchor}"


def _save_draft(request: HttpRequest, report: Report, draft: drafts.Draft) -> HttpResponse:
    if not draft.findings:
        return _render_review(request, report, draft, notice=NOTHING_TO_SAVE, status=400)
    try:
        created = imports.draft_save(
            report=report, candidates=drafts.candidates(draft), by=request.user
        )
    except imports.ImportRejected as exc:
        return _render_review(request, report, draft, save_errors=exc.errors, status=400)
    except IntegrityError:
        return _render_review(request, report, draft, notice=CLASHED, status=409)
    _forget_draft(request, report)
    assign = reverse("recommendations:report-assign", args=[report.pk])
    query = "&".join(f"findings={f.pk}" for f in created)
    messages.success(
        request,
        format_html(
            "{} findings brought in from {} and added to the report. "
            '<a href="{}">Assign their owner and OPCC lead</a>.',
            len(created),
            draft.source,
            f"{assign}?{query}",
        ),
    )
    return redirect(report)


# ---------------------------------------------------------------- letters

NO_LETTER = "There is no letter in review for this report. Paste or upload the letter first."
LETTER_OPS = ("record", "discard")
LETTER_RECORDED = "The {kind} of {date} was recorded: {summary}."
STALE_LETTER = (
    "Another letter or review for this report was started in another tab, so nothing was "
    "recorded. This is the letter now in review."
)


@require_http_methods(["GET", "POST"])
def report_letter_review(request: HttpRequest, pk: int) -> HttpResponse:
    """An HMICFRS letter: which kind it is, the tracked finding each restated finding refers
    to (proposed by text similarity, with its score), and what to record for each."""
    report = _report_for_intake(request, pk)
    stored = _stored(request, report)
    if stored is None or stored.kind != DraftKind.LETTER:
        messages.info(request, NO_LETTER)
        return redirect("intake:report-intake", report.pk)
    published = stored.data.get("published_on")
    reading = letters.read_letter(
        stored.data.get("text", ""),
        published_on=date.fromisoformat(published) if published else None,
    )
    if reading is None:
        _forget_draft(request, report)
        messages.info(request, NO_LETTER)
        return redirect("intake:report-intake", report.pk)
    tracked_qs = letters.tracked_findings(report, request.user)
    letters.propose_matches(reading.items, tracked_qs)
    tracked = list(tracked_qs.select_related("report").order_by("report__published_on", "id"))
    op = request.POST.get("op", "") if request.method == "POST" else ""
    if request.method == "POST" and op not in LETTER_OPS:
        form = LetterForm(reading=reading, tracked=tracked)
        return _render_letter(request, report, stored, form, status=400)
    if op and request.POST.get("draft") != str(stored.pk):
        form = LetterForm(reading=reading, tracked=tracked)
        return _render_letter(request, report, stored, form, notice=STALE_LETTER, status=409)
    if op == "discard":
        _forget_draft(request, report)
        messages.info(request, "The letter was discarded. Nothing was recorded.")
        return redirect(report)
    form = LetterForm(request.POST or None, reading=reading, tracked=tracked)
    if op == "record" and form.is_valid():
        data = form.cleaned_data
        try:
            letter = letters.letter_record(
                report=report,
                reading=reading,
                decisions=form.decisions(),
                sent_on=data["sent_on"],
                issued_on=data["issued_on"],
                reference=data["reference"],
                assessment=data["assessment"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except (IntegrityError, StaleVersion):
            form.add_error(None, CLASHED_LETTER)
        else:
            _forget_draft(request, report)
            messages.success(request, _recorded_message(letter))
            return redirect(report)
    status = 400 if request.method == "POST" else 200
    return _render_letter(request, report, stored, form, status=status)


CLASHED_LETTER = (
    "A finding in this letter was changed by someone else at the same moment, so nothing was "
    "recorded. Check the matches and record the letter again."
)


_DONE = {
    OutcomeAction.CLOSED: "closed by HMICFRS",
    OutcomeAction.REVISIT_NOTE: "given a revisit note",
    OutcomeAction.CREATED: "created",
}


def _recorded_message(letter: Letter) -> str:
    counts = Counter(letter.outcomes.values_list("action", flat=True))
    parts = [f"{counts[action]} {done}" for action, done in _DONE.items() if counts[action]]
    return LETTER_RECORDED.format(
        kind=letter.get_kind_display().lower(),
        date=f"{letter.sent_on:%-d %B %Y}",
        summary=", ".join(parts) or "nothing changed",
    )


def _render_letter(
    request: HttpRequest,
    report: Report,
    stored: ReviewDraft,
    form: LetterForm,
    *,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    reading = form.reading
    context = {
        "report": report,
        "stored": stored,
        "form": form,
        "reading": reading,
        "rows": form.rows(),
        "notice": notice,
        "source_html": _letter_source(reading),
        "threshold": round(letters.MATCH_THRESHOLD * 100),
    }
    return render(request, "intake/letter_review.html", context, status=status)


def _letter_source(reading: letters.LetterReading) -> str:
    draft = drafts.from_extraction(reading.extraction, report_id=0, source="")
    return drafts.highlight(draft)


# ---------------------------------------------------------------- my drafts


@require_GET
def draft_list(request: HttpRequest) -> HttpResponse:
    """The person's reviews in progress, newest first, to take up again."""
    if not request.user.has_perm("recommendations.add_finding"):
        raise PermissionDenied
    now = timezone.now()
    ReviewDraft.objects.owned_by(request.user).expired(now=now).delete()
    stored = (
        ReviewDraft.objects.owned_by(request.user)
        .current(now=now)
        .filter(report__in=Report.objects.visible_to(request.user))
        .select_related("report")
    )
    return render(request, "intake/draft_list.html", {"drafts": stored})


# ---------------------------------------------------------------- spreadsheets


@require_http_methods(["GET", "POST"])
def report_import(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for_intake(request, pk)
    if request.method == "POST" and request.POST.get("op") == "confirm":
        return _confirm_import(request, report)
    form = SpreadsheetForm(request.POST or None, request.FILES or None, report=report)
    context: dict[str, Any] = {"report": report, "form": form, "columns": spreadsheets.COLUMNS}
    if request.method == "GET":
        return render(request, "intake/import.html", context)
    if not form.is_valid():
        return render(request, "intake/import.html", context, status=400)
    # is_valid() has read the sheet.
    assert form.sheet is not None  # nosec
    plan = imports.check(report, form.sheet.candidates, errors=form.sheet.errors)
    context |= _preview_context(form.sheet, plan)
    if plan.errors:
        return render(request, "intake/import.html", context, status=400)
    try:
        context["token"] = _stash(request, report, form.raw, form.sheet.name)
    except STORE_ERRORS:
        logger.exception("Could not keep a checked spreadsheet for its import")
        form.add_error(None, STORE_UNAVAILABLE)
        context.pop("rows_shown", None)
        return render(request, "intake/import.html", context, status=503)
    return render(request, "intake/import.html", context)


def _preview_context(sheet: spreadsheets.Sheet, plan: imports.Plan) -> dict[str, Any]:
    return {
        "sheet": sheet,
        "plan": plan,
        "counts": plan.counts(),
        "errors_shown": plan.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(plan.errors) - ERRORS_SHOWN),
        "rows_shown": plan.rows[:ROWS_SHOWN],
        "rows_hidden": max(0, len(plan.rows) - ROWS_SHOWN),
    }


def _stash(request: HttpRequest, report: Report, data: bytes, name: str) -> str:
    """Keep the checked file in private storage until the person confirms the import."""
    _discard_stash(request, report)
    _purge_old_stashes()
    token = uuid.uuid4().hex
    stored = default_storage.save(
        f"{IMPORT_FOLDER}/{token}{PurePath(name).suffix.lower()}", ContentFile(data)
    )
    request.session[SESSION_IMPORT.format(pk=report.pk)] = {
        "token": token,
        "stored": stored,
        "name": name,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return token


def _discard_stash(request: HttpRequest, report: Report) -> None:
    stash = request.session.pop(SESSION_IMPORT.format(pk=report.pk), None)
    if isinstance(stash, dict) and stash.get("stored"):
        with quietly():
            default_storage.delete(stash["stored"])


def _purge_old_stashes() -> None:
    try:
        _folders, names = default_storage.listdir(IMPORT_FOLDER)
    except STORE_ERRORS:
        return  # nothing kept yet, or the store is down: tidy up next time
    cutoff = timezone.now() - STASH_LIFETIME
    for name in names:
        path = f"{IMPORT_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except STORE_ERRORS:
            continue


def _confirm_import(request: HttpRequest, report: Report) -> HttpResponse:
    stash = request.session.get(SESSION_IMPORT.format(pk=report.pk))
    data = b""
    if isinstance(stash, dict) and request.POST.get("token") == stash.get("token"):
        try:
            with default_storage.open(stash["stored"], "rb") as handle:
                data = handle.read()
        except STORE_ERRORS as exc:
            if not is_missing(exc):
                messages.error(request, STORE_UNREADABLE)
                return redirect("intake:report-import", report.pk)
            data = b""
    # The file is used once, whatever happens next.
    _discard_stash(request, report)
    if not data or hashlib.sha256(data).hexdigest() != stash["sha256"]:
        messages.error(request, STALE_PREVIEW)
        return redirect("intake:report-import", report.pk)
    context: dict[str, Any] = {
        "report": report,
        "form": SpreadsheetForm(report=report),
        "columns": spreadsheets.COLUMNS,
    }
    try:
        sheet = spreadsheets.read_spreadsheet(data, stash["name"], published_on=report.published_on)
        created = imports.findings_import(report=report, sheet=sheet, by=request.user)
    except spreadsheets.SpreadsheetError as exc:
        messages.error(request, exc.message)
        return redirect("intake:report-import", report.pk)
    except imports.ImportRejected as exc:
        # Something changed since the preview (a finding added meanwhile, say).
        plan = imports.Plan(rows=[], errors=exc.errors)
        context |= _preview_context(sheet, plan) | {"changed_since_preview": True}
        return render(request, "intake/import.html", context, status=400)
    except IntegrityError:
        messages.error(request, CLASHED)
        return redirect("intake:report-import", report.pk)
    messages.success(request, f"{len(created)} findings imported from {sheet.name}.")
    return redirect(report)


def _template_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _require_add_finding(request: HttpRequest) -> None:
    if not request.user.has_perm("recommendations.add_finding"):
        raise PermissionDenied


@require_GET
def import_template_csv(request: HttpRequest) -> HttpResponse:
    _require_add_finding(request)
    return _template_response(
        spreadsheets.template_csv(), "text/csv; charset=utf-8", f"{spreadsheets.TEMPLATE_NAME}.csv"
    )


@require_GET
def import_template_xlsx(request: HttpRequest) -> HttpResponse:
    _require_add_finding(request)
    return _template_response(
        spreadsheets.template_xlsx(),
        uploads.XLSX_CONTENT_TYPE,
        f"{spreadsheets.TEMPLATE_NAME}.xlsx",
    )
