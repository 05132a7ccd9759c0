import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction
from django.utils import timezone

from recommendations.templatetags.oversight import overdue_for
from reminders import emails, services
from reminders.models import Digest


class Command(BaseCommand):
    help = (
        "Record due reminders, gather them into today's digests once the digest hour "
        "(OVERSIGHT_DIGEST_HOUR, Europe/London) has come, and send them: the job the "
        "Celery beat schedule runs, for machines without Celery."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be sent, and change nothing.",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help=(
                "Run as if today were this date (YYYY-MM-DD), to catch up a missed day: its "
                "digests are composed at once, whatever the hour. Default: today in "
                "Europe/London, composed only from the digest hour on."
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        now = timezone.now()
        today = options["today"]
        try:
            if options["dry_run"]:
                self._dry_run(today or timezone.localdate(now), now=now, chosen=today is not None)
            else:
                self._run(today, now=now)
        except services.SentNotRecorded as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            # An operator needs the what and the so-what, not a traceback.
            raise CommandError(
                f"The database connection failed ({str(exc).strip()}). Nothing is lost: "
                "what was not recorded or sent is done by the next run."
            ) from exc

    def _run(self, chosen: date | None, *, now: datetime) -> None:
        outcome = services.reminders_dispatch(now=now, today=chosen)
        today = chosen or timezone.localdate(now)
        scanned = (
            f"recorded {outcome['recorded']} new reminder(s)"
            if outcome["scan_ran"]
            else "scan skipped: another scan was running, and records the reminders due"
        )
        self.stdout.write(
            f"{today}: {scanned}; {outcome['digests']} digest(s) composed; "
            f"sent {outcome.get('sent', 0)}, failed {outcome.get('failed', 0)}, "
            f"to retry {outcome.get('pending', 0)}."
        )
        if outcome["unreadable"]:
            self.stderr.write(
                f"The scan skipped {outcome['unreadable']} item(s) it could not read; "
                "the log names them."
            )
        if outcome.get("expired"):
            self.stdout.write(
                f"Gave up on {outcome['expired']} digest(s) undelivered for "
                f"{settings.OVERSIGHT_DIGEST_RETRY_HOURS} hours: their reminders go into "
                "the next digest."
            )
        if not chosen and not services.digest_hour_reached(now=now):
            self.stdout.write(self._too_early())
        for digest in Digest.objects.filter(digest_date=today).select_related("recipient"):
            self.stdout.write(f"  {digest.to}: {digest.get_status_display().lower()}")

    @staticmethod
    def _too_early() -> str:
        return (
            f"Before {settings.OVERSIGHT_DIGEST_HOUR:02d}:00 no digest is composed: the "
            "reminders recorded wait for the digest hour (or run with --today)."
        )

    def _dry_run(self, today: date, *, now: datetime, chosen: bool) -> None:
        """Run the real scan and compose inside a transaction that is rolled back."""
        if not chosen and not services.digest_hour_reached(now=now):
            self.stdout.write(self._too_early() + " At the digest hour:")
        with transaction.atomic():
            # The scan logs what it recorded; here it is all rolled back, so say what
            # would be recorded instead of letting that line claim it was.
            with _quiet(services.logger):
                scan = services.reminders_scan(today=today)
            self.stdout.write(f"{today}: would record {scan.created} new reminder(s).")
            services.digests_compose(today=today)
            digests = Digest.objects.filter(digest_date=today, status="pending")
            if not digests:
                self.stdout.write(f"{today}: nothing would be sent.")
            for digest in digests:
                lines = emails.digest_lines(digest, today=today)
                self.stdout.write(f"Would send to {digest.to} ({len(lines)} item(s)):")
                for line in lines:
                    late = overdue_for(line.due_on, today)
                    overdue = f", {late} overdue" if line.is_overdue else ""
                    self.stdout.write(
                        f"  - {line.reference}: {line.title} ({line.kind_label}; due "
                        f"{line.due_on:%-d %B %Y}{overdue})"
                    )
            transaction.set_rollback(True)


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Hold back a logger's INFO lines for the length of the block."""
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)
