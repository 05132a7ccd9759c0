import logging

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders and alerts"

    def ready(self) -> None:
        from oversight.logging import MaskSecrets

        # These loggers print request paths (a refused request, runserver's access
        # log), and a calendar feed's path carries its secret token.
        for name in ("django.request", "django.server"):
            logging.getLogger(name).addFilter(MaskSecrets())
