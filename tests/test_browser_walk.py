"""The walk that failed (issue 16), in headless Chromium: a force with no accounts, a report
brought in, a post created and findings assigned to it in bulk, invitations accepted, a
reminder received by the post's holder through a real SMTP server, the holder changed, and
the next reminder going to the new holder. Also the OPCC's own rating, through the browser.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from recommendations.models import Finding, Force, Post, Report, Status, User
from reminders import services
from reminders.models import Reminder
from tests.support import people
from tests.support.browser import shot, sign_in
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORCE = "Cumbria Constabulary"
TITLE = "PEEL 2025–27: Cumbria Constabulary (illustrative)"
TEAM = "scrutiny-team@opcc.example"
PASSWORD = "fell beck tarn slowly rising"
FIRST = ("Alex", "Moss", "alex.moss@cumbria.example", "amoss")
SECOND = ("Sam", "Reid", "sam.reid@cumbria.example", "sreid")


def add_finding(page: Page, report_url: str, reference: str, text: str, due: str) -> None:
    page.goto(report_url)
    page.get_by_role("link", name="Add a finding").click()
    page.get_by_label("Kind").select_option("recommendation")
    page.locator("#id_reference").fill(reference)
    page.get_by_label("Full text").fill(text)
    page.locator("#id_due_on").fill(due)
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text(f"{reference} added to the report.")).to_be_visible()


def accept_in_own_browser(browser: Browser, args: dict, base: str, person: tuple) -> None:
    _first, _last, email, username = person
    context = browser.new_context(**args)
    theirs = context.new_page()
    people.accept(theirs, base, email=email, username=username, password=PASSWORD)
    context.close()


def test_a_new_forces_report_is_owned_by_a_post_and_reminders_follow_its_holder(
    page: Page, browser: Browser, browser_context_args: dict, demo, console_errors, settings
):
    base = demo.url
    settings.OVERSIGHT_TEAM_ADDRESS = TEAM
    today = timezone.localdate()
    due = today + timedelta(days=7)
    force = Force.objects.get(name=FORCE)
    assert not User.objects.filter(force=force).exists()  # a force with no accounts

    sign_in(page, base, "opcc")
    # A report brought in, with two recommendations.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Add a report").click()
    page.get_by_label("Kind").select_option("peel")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Force", exact=True).select_option(label=FORCE)
    page.locator("#id_published_on").fill((today - timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Save report").click()
    expect(page.get_by_text(f"Report “{TITLE}” saved.")).to_be_visible()
    report_url = page.url.split("?")[0]
    for reference, text in (
        ("R1", "Illustrative: the force should answer 999 calls in time."),
        ("R2", "Illustrative: the force should review its call handling."),
    ):
        add_finding(page, report_url, reference, text, due.isoformat())

    # A post for the force, then both findings assigned to it (and an OPCC lead) at once.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Posts").click()
    page.get_by_role("link", name="Add a post").click()
    page.locator("#id_title").fill("ACC Crime")
    page.locator("#id_force").select_option(label=FORCE)
    page.get_by_role("button", name="Add post").click()
    expect(page.get_by_text("Post “ACC Crime” added.")).to_be_visible()
    page.goto(report_url)
    page.get_by_role("link", name="Assign findings").click()
    page.get_by_role("checkbox", name="R1: Illustrative").check()
    page.get_by_role("checkbox", name="R2: Illustrative").check()
    page.get_by_label("Owner (post)").select_option(label="ACC Crime (vacant)")
    page.get_by_label("OPCC lead").select_option(label="OPCC Officer (demo)")
    shot(page, "bulk-assignment")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("2 findings assigned.")).to_be_visible()
    findings = list(Finding.objects.filter(report__title=TITLE).order_by("reference"))
    post = Post.objects.get(title="ACC Crime", force=force)
    assert {f.owner_post_id for f in findings} == {post.pk}

    # While the post is vacant its deadlines are the OPCC team address's.
    services.reminders_scan(today=today)
    assert set(
        Reminder.objects.filter(recipient__isnull=True).values_list("item_id", flat=True)
    ) == {f.pk for f in findings}

    # Two people of the force invited; both accept, each in their own browser.
    for first, last, email, _username in (FIRST, SECOND):
        people.invite(
            page, base, first=first, last=last, email=email, role="Force lead", force=FORCE
        )
    for person in (FIRST, SECOND):
        accept_in_own_browser(browser, browser_context_args, base, person)

    # The first takes the post: everything it owns is theirs at once.
    page.goto(f"{base}/posts/{post.pk}/")
    page.get_by_label("New holder").select_option(label="Alex Moss")
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_role("button", name="Hand over").click()
    expect(page.get_by_text("“ACC Crime” handed over.")).to_be_visible()
    shot(page, "post-detail")

    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5

        # The reminder reaches the holder, naming both findings and linking to them.
        services.reminders_dispatch(today=today)
        [mail] = smtp.sink.to(FIRST[2])
        body = mail.text()
        assert "R1" in body and "R2" in body and TITLE in body
        link = re.search(r"http://[^\s\"]+/findings/\d+/", body).group(0)

        # The holder follows the link, signed in, and sees the finding is theirs.
        context = browser.new_context(**browser_context_args)
        theirs = context.new_page()
        theirs.goto(f"{base}/accounts/login/")
        theirs.get_by_label("Username").fill(FIRST[3])
        theirs.get_by_label("Password").fill(PASSWORD)
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("link", name=re.compile(r"^R1 of "))).to_be_visible()
        theirs.goto(base + link[link.index("/findings/") :])
        expect(theirs.get_by_text("ACC Crime (Alex Moss)")).to_be_visible()
        context.close()

        # The holder changes; the next reminder (the day before) goes to the new holder.
        page.goto(f"{base}/posts/{post.pk}/")
        page.get_by_label("New holder").select_option(label="Sam Reid")
        page.get_by_label("From").fill(today.isoformat())
        page.get_by_role("button", name="Hand over").click()
        expect(page.get_by_text("“ACC Crime” handed over.")).to_be_visible()
        expect(page.locator("table").last).to_contain_text("Alex Moss")

        services.reminders_dispatch(today=due - timedelta(days=1))
        [mail] = smtp.sink.to(SECOND[2])
        assert "R1" in mail.text() and "R2" in mail.text()
        assert len(smtp.sink.to(FIRST[2])) == 1  # nothing more to the former holder
        assert not smtp.sink.to(TEAM)  # the team's digest went before anyone held the post

    assert [e for e in console_errors if "410" not in e] == []


def test_opcc_staff_challenge_with_their_own_rating_shown_beside_the_forces(
    page: Page, demo, console_errors
):
    base = demo.url
    claimed = Finding.objects.filter(status=Status.REPORTED_COMPLETE).first()
    if claimed is None:  # the demo has none waiting: make one
        claimed = Finding.objects.filter(status=Status.IN_PROGRESS).first()
        Finding.objects.filter(pk=claimed.pk).update(status=Status.REPORTED_COMPLETE)
    Finding.objects.filter(pk=claimed.pk).update(rag="green")

    sign_in(page, base, "opcc")
    page.goto(f"{base}/findings/{claimed.pk}/")
    page.get_by_role("link", name="Assure or challenge").click()
    page.get_by_label("Challenged").check()
    page.get_by_label("Reason").fill("Illustrative: only one district has been checked.")
    page.get_by_role("button", name="Record decision").click()
    # Without its own rating, a challenge is refused, and says why.
    expect(page.locator(".invalid-feedback, .errorlist").first).to_be_visible()
    page.get_by_role("group", name=re.compile("The OPCC's own rating")).get_by_label("Red").check()
    page.get_by_role("button", name="Record decision").click()
    status = page.locator("#finding-status")
    expect(status).to_contain_text("Green")
    expect(status).to_contain_text("OPCC:")
    expect(status).to_contain_text("Red")

    # The dashboard counts it by both ratings, and its OPCC figure lists it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    table = page.locator("#rag-heading").locator("xpath=..").locator("table")
    expect(table).to_contain_text("OPCC's rating")
    table.locator("tr", has_text="Red").locator("td").last.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"opcc_rag=red"))
    expect(
        page.locator("#results").get_by_role("link", name=claimed.reference, exact=True).first
    ).to_be_visible()
    assert Report.objects.exists()
    assert [e for e in console_errors if " 400 " not in f" {e} " and "/assure/" not in e] == []
