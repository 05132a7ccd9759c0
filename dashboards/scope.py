"""Whose findings the dashboard counts, with which filters, and the names it shows.

`load_names` fetches, in one query, every name the grouped counts' ids need and the
filters offer, with the small lists that come with them (the forces in Engage and
every report's s.55 dates). `Scope` says whose findings, filtered how, on which day,
and builds the links from each figure to the findings list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from django.urls import reverse

from accountability.models import Session
from dashboards import freshness, tallies
from publishing import rules as publishing_rules
from recommendations.models import (
    Action,
    Finding,
    Force,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    Report,
    Theme,
    User,
)


@dataclass(frozen=True)
class ReportName:
    title: str
    published_on: date
    force_id: int | None
    response_published_on: date | None = None
    # The PCC's response's stage (publishing.models.Stage), None before one is started.
    response_stage: str | None = None
    entered_after_the_fact: bool = False


@dataclass(frozen=True)
class SessionName:
    """An upcoming accountability session, or an open action agreed at one (its `day` is
    the action's deadline, `reference` its finding's)."""

    pk: int
    force_id: int | None
    day: date | None
    label: str
    reference: str = ""


@dataclass(frozen=True)
class Names:
    """Names for the ids the grouped queries return, the filters' choices, and the
    small lists that come with them: the forces in Engage and every report's s.55 dates."""

    forces: dict[int, str] = field(default_factory=dict)
    themes: dict[int, str] = field(default_factory=dict)
    reports: dict[int, ReportName] = field(default_factory=dict)
    owners: dict[int, str] = field(default_factory=dict)
    engage: list[MonitoringPeriod] = field(default_factory=list)
    # Accountability sessions (the accountability app) from today, and open session actions.
    sessions: list[SessionName] = field(default_factory=list)
    session_actions: list[SessionName] = field(default_factory=list)


def load_names(user: User, *, today: date) -> Names:
    """Forces, themes, reports, owners and Engage periods the user may see, in one query.

    Small SELECTs joined by UNION ALL rather than a round trip each (the
    dashboard's query budget is tight: docs/performance.md). Grouped queries
    then return bare ids, which is cheaper than grouping by names.
    """
    # Annotations only, in the same order in every part: UNION matches columns by position.
    columns = ("dimension", "key", "label", "day", "parent", "other_day", "note", "flag")
    no_date = Cast(Value(None), DateField())  # typed: PostgreSQL reads a bare NULL as text
    no_note = Cast(Value(None), CharField())
    no_parent = Cast(Value(None), BigIntegerField())
    visible = Finding.objects.visible_to(user)

    def part(queryset: QuerySet, dimension: str, **values: Any) -> QuerySet:
        values.setdefault("day", no_date)
        values.setdefault("parent", no_parent)
        values.setdefault("other_day", no_date)
        values.setdefault("note", no_note)
        values.setdefault("flag", Value(False, output_field=BooleanField()))
        return (
            queryset.order_by()
            .annotate(dimension=Value(dimension), key=F("pk"), **values)
            .values_list(*columns)
        )

    next_ppog = (
        PpogMeeting.objects.filter(monitoring_period=OuterRef("pk"), meets_on__gte=today)
        .order_by("meets_on")
        .values("meets_on")[:1]
    )
    in_engage = MonitoringPeriod.objects.current_engage()
    if user.force_id is not None:
        in_engage = in_engage.filter(force_id=user.force_id)
    parts = [
        part(Theme.objects.all(), "theme", label=F("name")),
        part(
            Report.objects.visible_to(user),
            "report",
            label=F("title"),
            day=F("published_on"),
            parent=F("force_id"),
            other_day=F("response_published_on"),
            note=publishing_rules.report_stage(),
            flag=F("entered_after_the_fact"),
        ),
        part(
            User.objects.filter(Exists(visible.filter(owner=OuterRef("pk")))),
            "owner",
            label=Coalesce(
                NullIf(Trim(Concat("first_name", Value(" "), "last_name")), Value("")),
                "username",
                output_field=CharField(),
            ),
        ),
        part(
            in_engage,
            "engage",
            label=F("force__name"),
            day=F("started_on"),
            parent=F("force_id"),
            other_day=Subquery(next_ppog),
        ),
    ]
    # Accountability sessions ride on this query rather than add one (the budget above).
    parts.append(
        part(
            Session.objects.visible_to(user).filter(held_on__gte=today),
            "session",
            label=F("kind"),
            day=F("held_on"),
            parent=F("force_id"),
        )
    )
    parts.append(
        part(
            Action.objects.open().filter(
                session_link__isnull=False, finding__in=visible.values("pk")
            ),
            "session_action",
            label=F("description"),
            day=F("due_on"),
            parent=F("finding__force_id"),
            note=F("finding__reference"),
        )
    )
    if user.force_id is None:
        # Forces with findings or reports: the other territorial forces would be empty pages.
        with_findings = Force.objects.filter(
            Exists(visible.filter(force=OuterRef("pk")))
            | Exists(Report.objects.filter(force=OuterRef("pk")))
        )
        parts.append(part(with_findings, "force", label=F("name")))
    names = Names()
    for dimension, key, label, day, parent, other_day, note, flag in parts[0].union(
        *parts[1:], all=True
    ):
        if dimension == "report":
            names.reports[key] = ReportName(label, day, parent, other_day, note, flag)
        elif dimension == "engage":
            period = MonitoringPeriod(
                pk=key,
                force=Force(pk=parent, name=label),
                phase=MonitoringPhase.ENGAGE,
                started_on=day,
            )
            period.next_ppog = other_day
            names.engage.append(period)
        elif dimension in ("session", "session_action"):
            getattr(names, f"{dimension}s").append(SessionName(key, parent, day, label, note or ""))
        else:
            getattr(names, f"{dimension}s")[key] = label
    names.sessions.sort(key=lambda session: (session.day, session.pk))
    names.session_actions.sort(key=lambda action: (action.day or date.max, action.pk))
    names.engage.sort(key=lambda period: period.force.name)
    return names


def names_for(user: User, *, today: date) -> Names:
    """`load_names`, kept in the cache until a write changes a name in them (the names
    version, `freshness.py`) or the day turns.

    They depend only on the person's force (every `visible_to` they use does), so
    everyone of one force, and everyone of no force, shares one copy. With a shared
    cache that copy lasts the day; with the embedded default's per-process cache, which
    hears of no other process's writes, at most OVERSIGHT_DASHBOARD_CACHE_SECONDS.
    """
    seconds = settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return load_names(user, today=today)
    key = NAMES_KEY.format(
        version=freshness.names_version(), force=user.force_id or "all", day=today.isoformat()
    )
    names = cache.get(key)
    if names is None:
        names = load_names(user, today=today)
        cache.set(key, names, NAMES_SHARED_SECONDS if tallies.shared() else seconds)
    return names


NAMES_KEY = "oversight:names:{version}:{force}:{day}"
# The key holds the day, so an entry is never read after it; it goes after a day and
# a bit (or sooner, if Redis must evict).
NAMES_SHARED_SECONDS = 26 * 3600


@dataclass
class Scope:
    """Whose findings, with which filters, on which day."""

    user: User
    today: date
    filters: dict[str, Any] = field(default_factory=dict)
    names: Names = field(default_factory=Names)

    @property
    def force_id(self) -> int | None:
        """The force in view: the one chosen, or the user's own."""
        return self.user.force_id or self.filters.get("force")

    def force_name(self, force_id: int | None) -> str:
        """A force's name for a row: "National" for none. A force-scoped user's names hold
        no forces (they choose none), so their own comes from the user."""
        if force_id is None:
            return "National"
        if force_id == self.user.force_id:
            return str(self.user.force)
        return self.names.forces.get(force_id, "")

    def findings(self) -> QuerySet[Finding]:
        f = self.filters
        return (
            Finding.objects.visible_to(self.user)
            .order_by()
            .matching(
                force=f.get("force"),
                report=f.get("report"),
                kind=f.get("kind"),
                theme=f.get("theme"),
                published_from=f.get("published_from"),
                published_to=f.get("published_to"),
            )
        )

    def params(self) -> dict[str, str]:
        """The filters as query-string values: the dashboard and the findings list read the same."""
        params = {}
        for name, value in self.filters.items():
            if name == "force" and self.user.force_id is not None:
                continue
            params[name] = value.isoformat() if isinstance(value, date) else str(value)
        return params

    def link(self, *, filtered: bool = True, **extra: Any) -> str:
        """The findings list, filtered as the dashboard is (unless `filtered` is false, for
        figures counted without the dashboard's filters), plus the figure's own filter."""
        params = self._params if filtered else {}
        if extra:
            params = {**params}
            for name, value in extra.items():
                params[name] = value.isoformat() if isinstance(value, date) else str(value)
        return f"{self._list_url}?{urlencode(params)}"

    @cached_property
    def _params(self) -> dict[str, str]:
        return self.params()

    @cached_property
    def _list_url(self) -> str:
        # A page has a few hundred links; reverse() once.
        return reverse("recommendations:finding-list")
