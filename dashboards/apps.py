from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards and accountability packs"

    def ready(self) -> None:
        from dashboards import freshness

        freshness.connect()
