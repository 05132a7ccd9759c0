import os
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.management.commands._seed.seeder import Seeder
from recommendations.management.commands._seed.synthetic import seed_synthetic


class Command(BaseCommand):
    help = (
        "Load illustrative demo data (a fictional force in Engage, PEEL, NCPI and thematic "
        "reports, updates, evidence) and one demo user per role. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", ""),
            help="Password for the demo users (default: $DEMO_PASSWORD, or a new random one "
            "for users that have none).",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="Date the demo is built around (YYYY-MM-DD); default today in Europe/London.",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic findings (with 4 updates each) spread over the 43 "
            "forces, for benchmarks. Replaces any earlier synthetic data.",
        )

    def handle(self, *args: object, **options: object) -> None:
        from django.utils import timezone

        today = options["today"] or timezone.localdate()
        password = options["password"] or None
        if password:
            from django.contrib.auth.password_validation import validate_password
            from django.core.exceptions import ValidationError

            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("Demo password rejected: " + " ".join(exc.messages)) from exc
        if options["scale"] < 0:
            raise CommandError("--scale must be zero or more.")

        passwords = Seeder(today=today, password=password, stdout=self.stdout).run()
        # What the PCC publishes lives in its own app; the domain's seeder knows nothing
        # of it, so it is seeded here, after the reports it responds to.
        from publishing.demo import seed_publishing

        seed_publishing(today=today)
        # Accountability sessions (their own app too), after what their agendas draw on.
        from accountability.demo import seed_sessions

        seed_sessions(today=today)
        self.stdout.write(
            self.style.SUCCESS(f"Illustrative demo data loaded (built around {today}).")
        )
        if options["scale"]:
            counts = seed_synthetic(options["scale"], today=today)
            self.stdout.write(
                self.style.SUCCESS(
                    "Synthetic data: "
                    + ", ".join(f"{count:,} {name}" for name, count in counts.items())
                )
            )
        self.stdout.write("Demo users (username: password):")
        for username, pw in passwords.items():
            self.stdout.write(f"  {username}: {pw}")
