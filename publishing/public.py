"""The public progress page's data: what a release freezes, and the figures read from it.

Only what the OPCC marked publishable goes in: for each finding its reference, kind,
status, due date and the OPCC's public summary; for each report its title, kind and
date, HMICFRS's page and the PCC's published response. Never a finding's text, its
updates, evidence, owners, names or assurance reasons (they can be OFFICIAL-SENSITIVE).
Everything public is built from the frozen `PublicRelease.data`, never from live rows,
so a half-finished edit never appears.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse

from publishing.models import PublicSummary, S55Response, Stage
from recommendations import rules
from recommendations.models import Finding, FindingKind, Force, Report, Status

SCHEMA_VERSION = 1
PUBLIC_KINDS = (FindingKind.RECOMMENDATION, FindingKind.AREA_FOR_IMPROVEMENT)
CSV_COLUMNS = (
    "report_title",
    "report_published_on",
    "reference",
    "kind",
    "status",
    "due_on",
    "overdue",
    "public_summary",
    "pcc_response_published_on",
    "pcc_response_url",
)


def snapshot(force: Force, *, now: datetime) -> dict[str, Any]:
    """What the public page of `force` will show, as JSON-ready data."""
    summaries = {
        s.finding_id: s.summary
        for s in PublicSummary.objects.filter(
            publishable=True, finding__force=force, finding__kind__in=PUBLIC_KINDS
        )
    }
    findings = (
        Finding.objects.filter(pk__in=summaries)
        .order_by("report_id", "reference")
        .values("pk", "report_id", "reference", "kind", "status", "due_on")
    )
    by_report: dict[int, list[dict[str, Any]]] = {}
    for f in findings:
        by_report.setdefault(f["report_id"], []).append(
            {
                "reference": f["reference"],
                "kind": FindingKind(f["kind"]).label,
                "status": Status(f["status"]).label,
                "active": rules.is_active(f["status"]),
                "due_on": f["due_on"].isoformat() if f["due_on"] else None,
                "summary": summaries[f["pk"]],
            }
        )
    published = {
        r.report_id: r
        for r in S55Response.objects.filter(force=force, stage=Stage.PUBLISHED).prefetch_related(
            "documents"
        )
    }
    reports = Report.objects.filter(
        Q(pk__in=by_report) | Q(pk__in=published), Q(force=force) | Q(force__isnull=True)
    ).order_by("-published_on", "title")
    return {
        "schema": SCHEMA_VERSION,
        "force": {"name": force.name, "slug": force.slug},
        "published_at": now.isoformat(),
        "reports": [
            _report(report, published.get(report.pk), by_report.get(report.pk, []))
            for report in reports
        ],
    }


def _report(report: Report, response: S55Response | None, findings: list[dict]) -> dict[str, Any]:
    pcc_response = None
    if response is not None:
        documents = sorted(response.documents.all(), key=lambda d: d.number)
        pcc_response = {
            "id": response.pk,
            "published_on": response.published_on.isoformat(),
            "url": response.published_url or None,
            "document": documents[-1].original_name if documents else None,
        }
    return {
        "title": report.title,
        "kind": report.get_kind_display(),
        "published_on": report.published_on.isoformat(),
        "hmicfrs_url": report.url or None,
        "pcc_response": pcc_response,
        "findings": findings,
    }


@dataclass(frozen=True)
class Page:
    """A release read for display on `today` (overdue depends on the day)."""

    data: dict[str, Any]
    today: date

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.data["published_at"])

    def is_overdue(self, finding: dict[str, Any]) -> bool:
        due = date.fromisoformat(finding["due_on"]) if finding["due_on"] else None
        return bool(finding["active"] and due is not None and due < self.today)

    def rows(self) -> list[dict[str, Any]]:
        """One row per finding, with its report's columns: the CSV and JSON."""
        rows = []
        for report in self.data["reports"]:
            response = report["pcc_response"] or {}
            for finding in report["findings"]:
                rows.append(
                    {
                        "report_title": report["title"],
                        "report_published_on": report["published_on"],
                        "reference": finding["reference"],
                        "kind": finding["kind"],
                        "status": finding["status"],
                        "due_on": finding["due_on"],
                        "overdue": self.is_overdue(finding),
                        "public_summary": finding["summary"],
                        "pcc_response_published_on": response.get("published_on"),
                        "pcc_response_url": response.get("url"),
                    }
                )
        return rows

    def reports(self) -> list[dict[str, Any]]:
        """The reports with each finding marked overdue or not, for the page."""
        return [
            {
                **report,
                "published": date.fromisoformat(report["published_on"]),
                "response_published": date.fromisoformat(report["pcc_response"]["published_on"])
                if report["pcc_response"]
                else None,
                "findings": [
                    {
                        **f,
                        "overdue": self.is_overdue(f),
                        "due": date.fromisoformat(f["due_on"]) if f["due_on"] else None,
                    }
                    for f in report["findings"]
                ],
            }
            for report in self.data["reports"]
        ]

    def counts(self) -> list[tuple[str, int]]:
        """Findings by status (in the workflow's order), those with any."""
        found = Counter(f["status"] for r in self.data["reports"] for f in r["findings"])
        return [(status.label, found[status.label]) for status in Status if found[status.label]]

    def overdue(self) -> int:
        return sum(self.is_overdue(f) for r in self.data["reports"] for f in r["findings"])

    def total(self) -> int:
        return sum(len(r["findings"]) for r in self.data["reports"])

    def chart(self) -> list[dict[str, Any]]:
        """Bars for the small chart: widths in SVG units (attributes, not inline styles,
        which the CSP forbids)."""
        counts = [*self.counts(), ("Overdue", self.overdue())]
        top = max((n for _, n in counts), default=0) or 1
        return [
            {"label": label, "value": n, "width": round(300 * n / top), "y": i * 28}
            for i, (label, n) in enumerate(counts)
        ]

    def chart_height(self) -> int:
        return (len(self.counts()) + 1) * 28 + 4

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in self.rows():
            # A leading =, +, - or @ would be a formula to a spreadsheet.
            writer.writerow({k: _no_formula(v) for k, v in row.items()})
        return out.getvalue()

    def as_json(self) -> str:
        force = self.data["force"]
        return json.dumps(
            {
                "schema": self.data["schema"],
                "force": force,
                "published_at": self.data["published_at"],
                "as_at": self.today.isoformat(),
                "counts": {
                    "total": self.total(),
                    "by_status": dict(self.counts()),
                    "overdue": self.overdue(),
                },
                "page": reverse("publishing:public-page", args=[force["slug"]]),
                "findings": self.rows(),
            },
            indent=2,
        )


def _no_formula(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
