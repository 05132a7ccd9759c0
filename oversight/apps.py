from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The project itself as an app: hooks that apply to every app's models (history's
    change reasons, integer lookups that cannot overflow)."""

    name = "oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        from oversight import history, lookups

        history.connect()
        lookups.register()
