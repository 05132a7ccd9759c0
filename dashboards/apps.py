from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards and accountability packs"

    def ready(self) -> None:
        from dashboards import freshness
        from oversight.cache import TolerantRedisCache

        freshness.connect()
        # A write whose version bump never reached Redis (it was down) left the shared
        # figures and counts keyed by versions that no longer say what they hold: once
        # Redis answers again, every version moves on, and everything is counted afresh.
        if freshness.data_changed not in TolerantRedisCache.on_recovery:
            TolerantRedisCache.on_recovery.append(freshness.data_changed)
