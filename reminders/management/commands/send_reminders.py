from datetime import date

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from reminders import emails, services
from reminders.models import Digest


class Command(BaseCommand):
    help = (
        "Record due reminders, gather them into today's digests and send them: the job the "
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
            help="Run as if today were this date (YYYY-MM-DD); default today in Europe/London.",
        )

    def handle(self, *args: object, **options: object) -> None:
        today = options["today"] or timezone.localdate()
        if options["dry_run"]:
            self._dry_run(today)
            return
        outcome = services.run(today=today)
        self.stdout.write(
            f"{today}: recorded {outcome['recorded']} new reminder(s); "
            f"{outcome['digests']} digest(s) composed; "
            f"sent {outcome.get('sent', 0)}, failed {outcome.get('failed', 0)}, "
            f"to retry {outcome.get('pending', 0)}."
        )
        for digest in Digest.objects.filter(digest_date=today).select_related("recipient"):
            self.stdout.write(f"  {digest.to}: {digest.get_status_display().lower()}")

    def _dry_run(self, today: date) -> None:
        """Run the real scan and compose inside a transaction that is rolled back."""
        with transaction.atomic():
            services.scan(today=today)
            services.compose(today=today)
            digests = Digest.objects.filter(digest_date=today, status="pending")
            if not digests:
                self.stdout.write(f"{today}: nothing would be sent.")
            for digest in digests:
                lines = emails.digest_lines(digest, today=today)
                self.stdout.write(f"Would send to {digest.to} ({len(lines)} item(s)):")
                for line in lines:
                    overdue = f", {line.days_overdue} days overdue" if line.is_overdue else ""
                    self.stdout.write(
                        f"  - {line.reference}: {line.title} ({line.kind_label}; due "
                        f"{line.due_on:%-d %B %Y}{overdue})"
                    )
            transaction.set_rollback(True)
