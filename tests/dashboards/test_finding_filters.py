"""The findings list's filters added for the dashboard's drill-down links."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django import forms

from recommendations.filters import CachedOptionsSelect, FindingFilterForm
from recommendations.models import Finding
from tests.dashboards.conftest import TODAY

pytestmark = pytest.mark.django_db


def refs(user, world, **params):
    form = FindingFilterForm({k: str(v) for k, v in params.items()}, user=user)
    assert form.is_valid(), form.errors
    by_pk = {f.pk: name for name, f in world.findings.items()}
    return {
        by_pk[pk]
        for pk in form.filter(Finding.objects.all(), today=TODAY).values_list("pk", flat=True)
    }


def test_published_between(world, opcc):
    assert refs(opcc, world, published_from="2026-03-01", published_to="2026-03-31") == {
        "B-R1",
        "B-AFI",
        "B-R2",
        "B-R3",
    }
    assert "C-R1" in refs(opcc, world, published_from="2026-02-01", published_to="2026-02-01")


def test_challenged_only(world, opcc):
    assert refs(opcc, world, challenged="on") == {"A-R2"}


def test_closed_between_counts_hmicfrs_closure_supersession_and_no_further_action(world, opcc):
    assert refs(opcc, world, closed_from="2026-04-01", closed_to="2026-06-30") == {"A-R4", "B-R3"}
    assert refs(opcc, world, closed_to="2026-03-31") == {"B-R2"}


def test_due_between(world, opcc):
    assert refs(opcc, world, due_from="2026-05-01", due_to="2026-05-31") == {"A-R1", "C-R1"}


def test_no_owner_and_not_rated(world, opcc):
    assert "A-R1" not in refs(opcc, world, no_owner="on")
    assert refs(opcc, world, rag="none", status="open") == {"B-R1"}


def test_under_a_cause_of_concern(world, opcc):
    assert refs(opcc, world, parent=world.findings["C1"].pk) == {"A-R1", "A-R2"}


def test_a_cause_of_concern_of_another_force_is_not_a_valid_parent(world, viewer, outsider):
    params = {"parent": str(world.findings["C1"].pk)}
    assert FindingFilterForm(params, user=viewer).is_valid()
    assert not FindingFilterForm(params, user=outsider).is_valid()


def test_the_drill_down_filters_are_hidden_and_named_in_the_summary(world, opcc):
    form = FindingFilterForm(
        {"closed_from": "2026-04-01", "parent": str(world.findings["C1"].pk)}, user=opcc
    )
    assert form.is_valid()
    hidden = {"closed_from", "closed_to", "due_from", "due_to", "no_owner", "parent"}
    assert {f.name for f in form.hidden_fields()} == hidden
    # Declared after the visible ones, so the list's grid of filters has no gaps.
    names = list(form.fields)
    assert names[-len(hidden) :] == [n for n in names if n in hidden]
    labels = dict(form.active_filters())
    assert labels["Closed from"] == str(date(2026, 4, 1))
    assert labels["Under cause of concern"].startswith("C1:")


def test_the_cached_options_select_renders_what_django_select_renders(world, opcc):
    choices = [("", "Any"), (1, "Tom & Jerry <b>"), (2, "Second")]
    fast = CachedOptionsSelect(attrs={"class": "form-select"}, choices=choices)
    plain = forms.Select(attrs={"class": "form-select"}, choices=choices)

    def options(html: str) -> list[str]:
        return [line.strip() for line in html.replace("><", ">\n<").splitlines() if line.strip()]

    assert options(fast.render("report", "1", {"id": "id_report"})) == options(
        plain.render("report", "1", {"id": "id_report"})
    )


def test_cached_theme_options_render_as_django_would_and_name_the_theme(opcc):
    from recommendations.models import Theme

    theme = Theme.objects.create(name="Vetting & <counter-corruption>", slug="vetting-cc")
    for _ in range(2):  # the second form takes its options from the cache
        form = FindingFilterForm({"theme": str(theme.pk)}, user=opcc)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["theme"] == theme.pk
        assert ("Theme", theme.name) in form.active_filters()
        choices = [("", "Any theme"), *Theme.objects.values_list("pk", "name")]
        plain = forms.Select(attrs=form.fields["theme"].widget.attrs, choices=choices)
        rendered = plain.render("theme", str(theme.pk), {"id": "id_theme"})
        assert re.sub(r">\s+<", "><", str(form["theme"])) == re.sub(r">\s+<", "><", rendered)


def test_a_theme_added_after_the_options_were_cached_can_still_be_chosen(opcc):
    from recommendations.models import Theme

    FindingFilterForm({}, user=opcc)  # caches the theme options
    theme = Theme.objects.create(name="Added a moment ago", slug="added-now")
    form = FindingFilterForm({"theme": str(theme.pk)}, user=opcc)
    assert form.is_valid(), form.errors
    assert ("Theme", theme.name) in form.active_filters()
    assert "selected>Added a moment ago</option>" in str(form["theme"])


def test_a_force_with_a_report_but_no_findings_yet_is_a_valid_list_filter(opcc):
    """The dashboard offers it (its s.55 countdown), so its drill-down links must hold."""
    from tests.factories import make_force, make_report

    new_force = make_force()
    make_report(force=new_force)
    form = FindingFilterForm({"force": str(new_force.pk)}, user=opcc)
    assert form.is_valid(), form.errors
    assert not form.filter(Finding.objects.all(), today=TODAY).exists()
