"""The dashboard's filters: which force, report, kind of finding, theme and publication dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from dashboards.scope import Names
from recommendations.filters import CachedOptionsSelect
from recommendations.forms import DATE_INPUT
from recommendations.models import FindingKind, User

# The dashboard's parameters, spelt as the findings list spells them, so that a
# figure's drill-down link is the dashboard's own query string plus the figure's filter.
SCOPE_FIELDS = ("force", "report", "kind", "theme", "published_from", "published_to")


class DashboardFilterForm(forms.Form):
    # Integer fields checked against `Names` rather than ChoiceFields: with a
    # thousand reports, building and normalising choices costs more than the
    # queries (see docs/performance.md). Their selects list the same names.
    force = forms.IntegerField(required=False, widget=CachedOptionsSelect)
    report = forms.IntegerField(required=False, widget=CachedOptionsSelect)
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *FindingKind.choices], required=False, label="Kind of finding"
    )
    theme = forms.IntegerField(required=False, widget=CachedOptionsSelect)
    published_from = forms.DateField(
        required=False, label="Report published from", widget=DATE_INPUT
    )
    published_to = forms.DateField(required=False, label="Report published to", widget=DATE_INPUT)

    def __init__(self, *args: Any, user: User, names: Names, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.names = names
        if user.force_id is not None:
            # A force-scoped user sees only their own force: nothing to choose.
            del self.fields["force"]
        else:
            forces = sorted(names.forces.items(), key=lambda item: item[1])
            self._offer("force", "All forces", forces)
        reports = sorted(
            names.reports.items(),
            key=lambda item: (-item[1].published_on.toordinal(), item[1].title),
        )
        self._offer(
            "report",
            "Any report",
            [(pk, f"{r.title} ({r.published_on:%b %Y})") for pk, r in reports],
        )
        self._offer("theme", "Any theme", sorted(names.themes.items(), key=lambda item: item[1]))
        for name in ("force", "report", "kind", "theme"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-select"

    def _offer(self, name: str, empty: str, choices: list[tuple[int, str]]) -> None:
        self.fields[name].widget.options = [("", empty)] + [(str(v), label) for v, label in choices]

    def _known(self, name: str, known: dict[int, Any]) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and value not in known:
            raise forms.ValidationError(f"Choose a {name} from the list.")
        return value

    def clean_force(self) -> int | None:
        return self._known("force", self.names.forces)

    def clean_report(self) -> int | None:
        return self._known("report", self.names.reports)

    def clean_theme(self) -> int | None:
        return self._known("theme", self.names.themes)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", "The end date must be on or after the start date.")
        return data

    def scope(self) -> dict[str, Any]:
        """The valid filters, ignoring any that failed (their errors are shown on the form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in SCOPE_FIELDS
            if name in self.cleaned_data
            and name not in self.errors
            and self.cleaned_data[name] not in (None, "")
        }

    @property
    def chooses_force(self) -> bool:
        return "force" in self.fields

    def scope_name(self, filters: dict[str, Any]) -> str:
        """The force in view, for headings: the chosen force, the user's own, or all forces."""
        if self.user.force_id is not None:
            return str(self.user.force)
        if filters.get("force"):
            return self.names.forces.get(filters["force"], "One force")
        return "All forces"

    def describe(self, filters: dict[str, Any]) -> list[tuple[str, str]]:
        """The filters other than the force, as (label, value) pairs for the page and the pack."""
        described = []
        if filters.get("report"):
            report = self.names.reports.get(filters["report"])
            described.append(("Report", report.title if report else ""))
        if filters.get("kind"):
            described.append(("Kind", FindingKind(filters["kind"]).label))
        if filters.get("theme"):
            described.append(("Theme", self.names.themes.get(filters["theme"], "")))
        start, end = filters.get("published_from"), filters.get("published_to")
        if start or end:
            described.append(
                ("Reports published", f"{_day(start, 'the start')} to {_day(end, 'today')}")
            )
        return described


def _day(day: date | None, otherwise: str) -> str:
    return f"{day:%-d %b %Y}" if day else otherwise
