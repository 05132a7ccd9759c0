"""Every URL, for every kind of user: who gets in, who is refused, and that refusals change nothing.

The table must name every URL pattern of the app, so a new view cannot ship
without saying who may use it.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accountability import services as sessions
from accountability import urls as accountability_urls
from accountability.models import AgendaItem, Answer, ItemRecord, Question, Session, SessionAction
from intake import urls as intake_urls
from intake.models import Letter, LetterOutcome, ReviewDraft
from publishing import services as publishing
from publishing import urls as publishing_urls
from publishing.models import PublicRelease, PublicSummary, ResponseDocument, S55Response, Stage
from recommendations import services
from recommendations import urls as recommendation_urls
from recommendations.models import (
    AssessmentArea,
    AssuranceDecision,
    Evidence,
    Finding,
    Framework,
    MonitoringPeriod,
    MonitoringPhase,
    Post,
    PostHolding,
    PpogMeeting,
    ProgressUpdate,
    Report,
    Status,
)
from recommendations.services import EvidenceFile
from tests.factories import make_finding, make_report, pdf_upload

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "viewer", "lead", "other_lead", "outsider", "opcc", "administrator")

OPEN_TO_ALL = dict.fromkeys(WHO[1:], 200) | {"anonymous": 302}
READ_OWN_FORCE = OPEN_TO_ALL | {"outsider": 404}
OPCC_ONLY = READ_OWN_FORCE | {"viewer": 403, "lead": 403, "other_lead": 403}
OWNER_OR_OPCC = OPCC_ONLY | {"lead": 200}
# Frameworks belong to no force: they are shared, so staff scoped to one force are
# refused (403) rather than told there is nothing there (404).
ALL_FORCES_OPCC_ONLY = OPCC_ONLY | {"outsider": 403}
POST_ONLY = dict.fromkeys(WHO[1:], 405) | {"anonymous": 302}
# The public progress page: no sign-in, the same for everyone.
PUBLIC = dict.fromkeys(WHO, 200)

# URL name -> (which object it takes, expected GET status per user)
GET_MATRIX = {
    "home": (None, OPEN_TO_ALL),
    "report-list": (None, OPEN_TO_ALL),
    "report-create": (None, OPCC_ONLY | {"outsider": 200}),
    "report-detail": ("report", READ_OWN_FORCE),
    "report-edit": ("report", OPCC_ONLY),
    "finding-create": ("report_pk", OPCC_ONLY),
    "finding-list": (None, OPEN_TO_ALL),
    "finding-export-csv": (None, OPEN_TO_ALL),
    "finding-export-xlsx": (None, OPEN_TO_ALL),
    "finding-detail": ("finding", READ_OWN_FORCE),
    "finding-edit": ("finding", OPCC_ONLY),
    "update-create": ("finding", OWNER_OR_OPCC),
    "finding-assure": ("finding", OPCC_ONLY),
    # The finding is awaiting assurance, so closure is not possible yet: 409 says why.
    "finding-close": ("finding", OPCC_ONLY | {"opcc": 409, "administrator": 409}),
    "finding-supersede": ("finding", OPCC_ONLY),
    "finding-no-further-action": ("finding", OPCC_ONLY),
    "finding-due-date": ("finding", OPCC_ONLY),
    "finding-assign": ("finding", OPCC_ONLY),
    "finding-hmicfrs": ("finding", OPCC_ONLY),
    "evidence-download": ("evidence", READ_OWN_FORCE),
    "post-list": (None, OPEN_TO_ALL),
    "post-create": (None, OPCC_ONLY | {"outsider": 200}),
    "post-detail": ("post", READ_OWN_FORCE),
    "report-assign": ("report", OPCC_ONLY),
    "intake:report-intake": ("report", OPCC_ONLY),
    # With no review in progress, OPCC staff are sent to start one.
    "intake:report-intake-review": ("report", OPCC_ONLY | {"opcc": 302, "administrator": 302}),
    "intake:report-import": ("report", OPCC_ONLY),
    # With no letter in review, OPCC staff are sent to paste one.
    "intake:report-letter-review": ("report", OPCC_ONLY | {"opcc": 302, "administrator": 302}),
    # Each person's own reviews in progress: nothing of anyone else's.
    "intake:draft-list": (None, OPCC_ONLY | {"outsider": 200}),
    "intake:letter-detail": ("letter", READ_OWN_FORCE),
    # The import templates hold nothing of any force.
    "intake:import-template-csv": (None, OPCC_ONLY | {"outsider": 200}),
    "intake:import-template-xlsx": (None, OPCC_ONLY | {"outsider": 200}),
    # Scan and Engage: the world's force is in Engage, so a second entry is refused (409).
    "monitoring-list": (None, OPEN_TO_ALL),
    "force-monitoring": ("force", READ_OWN_FORCE),
    "engage-enter": ("force", OPCC_ONLY | {"opcc": 409, "administrator": 409}),
    "engage-causes": ("force", OPCC_ONLY),
    "ppog-record": ("force", OPCC_ONLY),
    "engage-exit": ("force", OPCC_ONLY),
    "ppog-cancel": ("meeting", POST_ONLY),
    "framework-list": (None, OPEN_TO_ALL),
    "framework-create": (None, ALL_FORCES_OPCC_ONLY),
    "framework-edit": ("framework", ALL_FORCES_OPCC_ONLY),
    # What the PCC publishes. The world's response is published, so it cannot go back to
    # a draft (409 says why).
    "publishing:response-list": (None, OPEN_TO_ALL),
    "publishing:response-start": ("report_pk", POST_ONLY),
    "publishing:response-detail": ("response", READ_OWN_FORCE),
    "publishing:response-edit": ("response", OPCC_ONLY),
    "publishing:response-history": ("response", READ_OWN_FORCE),
    "publishing:response-stage": (
        "response_stage",
        OPCC_ONLY | {"opcc": 409, "administrator": 409},
    ),
    "publishing:document-add": ("response", OPCC_ONLY),
    "publishing:document-download": ("document", READ_OWN_FORCE),
    "publishing:comments-file": ("response", READ_OWN_FORCE),
    "publishing:statement": ("response", READ_OWN_FORCE),
    "publishing:statement-pdf": ("response", READ_OWN_FORCE),
    "publishing:statement-docx": ("response", READ_OWN_FORCE),
    "publishing:release-list": (None, OPCC_ONLY | {"outsider": 200}),
    "publishing:release": ("slug", OPCC_ONLY),
    "publishing:public-summaries": ("slug_report", OPCC_ONLY),
    "publishing:public-page": ("slug", PUBLIC),
    "publishing:public-csv": ("slug", PUBLIC),
    "publishing:public-json": ("slug", PUBLIC),
    "publishing:public-document": ("slug_response", PUBLIC),
    # Performance and accountability sessions: OPCC staff plan and record them; only the
    # holder of the post a question is put to answers it (the lead here); others read.
    "accountability:session-list": (None, OPEN_TO_ALL),
    "accountability:session-create": (None, OPCC_ONLY | {"outsider": 200}),
    "accountability:session-detail": ("session", READ_OWN_FORCE),
    "accountability:session-edit": ("session", OPCC_ONLY),
    "accountability:agenda-propose": ("session", POST_ONLY),
    "accountability:item-add": ("session", POST_ONLY),
    "accountability:agenda-issue": ("session", POST_ONLY),
    "accountability:session-held": ("session", POST_ONLY),
    "accountability:minutes-approve": ("session", POST_ONLY),
    "accountability:item-edit": ("item", OPCC_ONLY),
    "accountability:item-remove": ("item", POST_ONLY),
    "accountability:question-create": ("item", OPCC_ONLY),
    "accountability:item-record": ("item", OPCC_ONLY),
    "accountability:action-create": ("item", OPCC_ONLY),
    "accountability:answer": (
        "question",
        OPCC_ONLY | {"lead": 200, "opcc": 403, "administrator": 403},
    ),
    "accountability:agenda": ("session", READ_OWN_FORCE),
    "accountability:agenda-pdf": ("session", READ_OWN_FORCE),
    "accountability:agenda-docx": ("session", READ_OWN_FORCE),
    "accountability:minutes": ("session", READ_OWN_FORCE),
    "accountability:minutes-pdf": ("session", READ_OWN_FORCE),
    "accountability:minutes-docx": ("session", READ_OWN_FORCE),
}
WRITE_URLS = [
    name
    for name in GET_MATRIX
    if name.endswith(("-create", "-edit", "-assure", "-close", "-supersede"))
    or name
    in {
        "finding-no-further-action",
        "finding-due-date",
        "finding-assign",
        "finding-hmicfrs",
        "post-detail",
        "report-assign",
        "engage-enter",
        "engage-causes",
        "ppog-record",
        "engage-exit",
        "ppog-cancel",
        "publishing:response-start",
        "publishing:response-stage",
        "publishing:document-add",
        "publishing:release",
        "publishing:public-summaries",
        "intake:report-letter-review",
        "accountability:agenda-propose",
        "accountability:item-add",
        "accountability:agenda-issue",
        "accountability:session-held",
        "accountability:minutes-approve",
        "accountability:item-remove",
        "accountability:item-record",
        "accountability:answer",
    }
]
# The write URLs of a force's objects: someone scoped to another force gets 404 there.
FORCE_WRITE_URLS = [n for n in WRITE_URLS if GET_MATRIX[n][0] not in (None, "framework")]
PUBLIC_URLS = {name for name, (_, expected) in GET_MATRIX.items() if expected is PUBLIC}


def _published_response(report, opcc, administrator):
    """The report's s.55 response, published with a final version and the chief
    constable's comments as a file, and the force's public page released."""
    from datetime import timedelta

    from django.core.files.base import ContentFile

    from publishing.services import StageDetails

    day = report.published_on + timedelta(days=10)
    response = publishing.response_start(report=report, force=report.force, by=opcc)
    response = publishing.response_move(response=response, to=Stage.DRAFT, by=opcc)
    response.recommendation_responses.update(steps="Steps.")
    for stage, details in (
        (Stage.APPROVED, StageDetails()),
        (Stage.SENT, StageDetails(on=day)),
        (Stage.PUBLISHED, StageDetails(on=day, url="https://pcc.example/r")),
    ):
        response = publishing.response_move(
            response=response, to=stage, by=administrator, details=details
        )
    response.comments_file.save("comments.pdf", ContentFile(pdf_upload().read()))
    response.comments_file_name = "comments.pdf"
    response.save()
    document = publishing.response_document_add(response=response, upload=pdf_upload(), by=opcc)
    publishing.public_release_publish(force=report.force, by=opcc)
    return response, document


@pytest.fixture
def world(force, lead, opcc, administrator):
    report = make_report(force=force, published_on=date(2025, 1, 10))
    finding = make_finding(report=report, owner=lead, opcc_lead=opcc, due_on=date(2025, 6, 30))
    services.progress_update_add(
        finding=finding,
        expected_version=finding.version,
        author=lead,
        narrative="Done, with an audit attached.",
        rag="green",
        as_at=date(2025, 6, 1),
        evidence=[EvidenceFile(pdf_upload(), date(2025, 5, 31))],
        reports_complete=True,
    )
    finding.refresh_from_db()
    assert finding.status == Status.REPORTED_COMPLETE
    post = Post.objects.create(title="ACC Crime", force=force)
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2025, 2, 1)
    )
    response, document = _published_response(report, opcc, administrator)
    # A session with the finding on its agenda, issued, and a question to the lead's post.
    held_by_lead = Post.objects.create(title="Head of Crime", force=force, holder=lead)
    session = sessions.session_create(force=force, held_on=date(2025, 7, 1), by=opcc)
    item = sessions.agenda_item_add(session=session, finding=finding, by=opcc)
    question = sessions.question_ask(item=item, text="Why?", to_post=held_by_lead, by=opcc)
    sessions.agenda_issue(session=session, by=opcc)
    letter = Letter.objects.create(
        report=report,
        force=force,
        kind="closure",
        sent_on=date(2025, 8, 1),
        text="An illustrative closure letter.",
        recorded_by=opcc,
    )
    return {
        "letter": letter,
        "session": session,
        "item": item,
        "question": question,
        "response": response,
        "document": document,
        "post": post,
        "report": report,
        "report_pk": report,
        "finding": finding,
        "evidence": Evidence.objects.get(update__finding=finding),
        "force": force,
        "meeting": PpogMeeting.objects.create(monitoring_period=period, meets_on=date(2099, 1, 1)),
        "framework": Framework.objects.get(name="PEEL 2023–25"),
    }


def url_for(name: str, world: dict) -> str:
    target, _ = GET_MATRIX[name]
    qualified = name if ":" in name else f"recommendations:{name}"
    if target is None:
        return reverse(qualified)
    if target == "response_stage":
        return reverse(qualified, kwargs={"pk": world["response"].pk, "stage": Stage.DRAFT})
    if target == "slug":
        return reverse(qualified, kwargs={"slug": world["force"].slug})
    if target == "slug_report":
        kwargs = {"slug": world["force"].slug, "report_pk": world["report"].pk}
        return reverse(qualified, kwargs=kwargs)
    if target == "slug_response":
        return reverse(qualified, kwargs={"slug": world["force"].slug, "pk": world["response"].pk})
    key = "report_pk" if target == "report_pk" else "pk"
    return reverse(qualified, kwargs={key: world[target].pk})


def client_for(request, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


def state() -> tuple:
    """Everything a write could change."""
    return (
        Report.objects.count(),
        Finding.objects.count(),
        ProgressUpdate.objects.count(),
        Evidence.objects.count(),
        AssuranceDecision.objects.count(),
        tuple(Post.objects.order_by("pk").values_list("title", "holder_id")),
        PostHolding.objects.count(),
        tuple(Finding.objects.order_by("pk").values_list("version", "status", "owner_id")),
        tuple(Finding.history.model.objects.values_list("history_id", flat=True).order_by("pk")),
        tuple(MonitoringPeriod.objects.order_by("pk").values_list("pk", "phase", "ended_on")),
        tuple(MonitoringPeriod.causes_of_concern.through.objects.values_list("pk", flat=True)),
        tuple(PpogMeeting.objects.order_by("pk").values_list("pk", "meets_on", "outcome")),
        tuple(Framework.objects.order_by("pk").values_list("pk", "name", "grades")),
        tuple(AssessmentArea.objects.order_by("pk").values_list("pk", "name", "position")),
        tuple(S55Response.objects.order_by("pk").values_list("pk", "stage", "version")),
        ResponseDocument.objects.count(),
        tuple(PublicSummary.objects.order_by("pk").values_list("summary", "publishable")),
        PublicRelease.objects.count(),
        Letter.objects.count(),
        LetterOutcome.objects.count(),
        ReviewDraft.objects.count(),
        tuple(Session.objects.order_by("pk").values_list("pk", "status", "held_on")),
        tuple(AgendaItem.objects.order_by("pk").values_list("pk", "note", "order")),
        Question.objects.count(),
        tuple(Answer.objects.values_list("pk", "text")),
        tuple(ItemRecord.objects.values_list("pk", "decision", "said")),
        SessionAction.objects.count(),
    )


def test_the_matrix_names_every_url_of_the_apps():
    names = {pattern.name for pattern in recommendation_urls.urlpatterns}
    names |= {f"intake:{pattern.name}" for pattern in intake_urls.urlpatterns}
    names |= {f"publishing:{pattern.name}" for pattern in publishing_urls.urlpatterns}
    names |= {f"accountability:{pattern.name}" for pattern in accountability_urls.urlpatterns}
    assert names == set(GET_MATRIX)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(GET_MATRIX))
def test_get_status_by_user(request, world, name, who):
    before = state()
    response = client_for(request, who).get(url_for(name, world))
    assert response.status_code == GET_MATRIX[name][1][who], response.content[:300]
    if who == "anonymous" and name not in PUBLIC_URLS:
        assert response.url.startswith(reverse("login"))
    assert state() == before, "a GET changed something"


@pytest.mark.parametrize("name", WRITE_URLS)
def test_a_viewer_post_to_any_write_url_is_refused_and_changes_nothing(request, world, name):
    client = client_for(request, "viewer")
    before = state()
    response = client.post(
        url_for(name, world),
        {"version": world["finding"].version, "outcome": "accepted", "reason": "x", "title": "x"},
    )
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("name", FORCE_WRITE_URLS)
def test_a_user_scoped_to_another_force_gets_404_on_post(request, world, name):
    before = state()
    response = client_for(request, "outsider").post(
        url_for(name, world), {"version": world["finding"].version}
    )
    assert response.status_code == 404
    assert state() == before


@pytest.mark.parametrize("name", WRITE_URLS)
def test_an_anonymous_post_is_sent_to_sign_in(world, name):
    before = state()
    response = Client().post(url_for(name, world), {"version": 1})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert state() == before


def test_csrf_is_enforced(world, opcc):
    client = Client(enforce_csrf_checks=True)
    client.force_login(opcc)
    before = state()
    url = url_for("finding-assure", world)
    response = client.post(url, {"version": world["finding"].version, "outcome": "accepted"})
    assert response.status_code == 403
    assert state() == before
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    response = client.post(
        url,
        {"version": world["finding"].version, "outcome": "accepted", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Finding.objects.get(pk=world["finding"].pk).status == Status.ASSURED


def test_the_admin_is_for_staff_only(client, viewer, opcc):
    for user in (viewer, opcc, AnonymousUser()):
        if user.is_authenticated:
            client.force_login(user)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert "/admin/login/" in response.url
