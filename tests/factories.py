"""Plain factory functions: each makes one valid object, overridable by keyword."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from recommendations import services
from recommendations.models import (
    Finding,
    FindingKind,
    Force,
    Report,
    ReportKind,
    Role,
    User,
)

_sequence = count(1)

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_user(role: Role | None = None, *, force: Force | None = None, **fields: Any) -> User:
    n = next(_sequence)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("email", f"user{n}@test.opcc.example")
    user = User.objects.create_user(force=force, password="unused-password-123", **fields)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def make_force(**fields: Any) -> Force:
    n = next(_sequence)
    fields.setdefault("name", f"Testshire Police {n}")
    fields.setdefault("slug", f"testshire-{n}")
    fields.setdefault("is_territorial", False)
    return Force.objects.create(**fields)


def make_report(**fields: Any) -> Report:
    n = next(_sequence)
    if "force" not in fields:
        fields["force"] = make_force()
    fields.setdefault("kind", ReportKind.PEEL)
    fields.setdefault("title", f"Test inspection report {n}")
    fields.setdefault("published_on", date(2025, 3, 4))
    return Report.objects.create(**fields)


def make_finding(**fields: Any) -> Finding:
    """A finding created through the service, so it starts life as the app would make it."""
    n = next(_sequence)
    report = fields.pop("report", None) or make_report()
    status = fields.pop("status", None)
    fields.setdefault("kind", FindingKind.RECOMMENDATION)
    fields.setdefault("reference", f"R{n}")
    fields.setdefault("text", f"The force should improve test process {n}.")
    if fields["kind"] == FindingKind.RECOMMENDATION:
        fields.setdefault("due_on", date(2025, 9, 30))
    finding = services.finding_create(report=report, created_by=None, **fields)
    if status is not None:
        Finding.objects.filter(pk=finding.pk).update(status=status)
        finding.refresh_from_db()
    return finding


def pdf_upload(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
