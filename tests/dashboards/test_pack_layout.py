"""The PDF pack fits its pages: no table runs past the right margin (issue 16, item 8)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from dashboards import pdf
from recommendations.models import FindingKind
from tests.factories import make_finding

pytestmark = pytest.mark.django_db

LONG_CAUSE = (
    "The force is not doing enough to make sure that children at risk of harm are "
    "identified, safeguarded and supported, and that investigations into offences "
    "against children are thorough, timely and supervised."
)


@pytest.fixture(autouse=True)
def on_the_worlds_today():
    with time_machine.travel(datetime(2026, 5, 20, 12, tzinfo=ZoneInfo("Europe/London"))):
        yield


def boxes_past_the_margin(document) -> list[str]:
    """Every box laid out beyond the right edge of its page's content area.

    The page's own box and its margin boxes (running header, page number) lie in the
    margins by design; everything else must end within the content width.
    """
    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for box in page_box.descendants():
            if type(box).__name__ in ("PageBox", "MarginBox"):
                continue
            end = box.position_x + box.margin_width()
            if end > right + 0.5:  # half a CSS pixel for rounding
                text = getattr(box, "text", "")
                found.append(f"page {number}: {type(box).__name__} ends at {end:.0f} > {right:.0f}")
                if text:
                    found[-1] += f" ({text[:40]!r})"
    return found


def test_the_engage_table_fits_the_page_with_long_causes_of_concern(
    client, world, opcc, monkeypatch
):
    for n in range(1, 5):
        cause = make_finding(
            report=world.report_a,
            kind=FindingKind.CAUSE_OF_CONCERN,
            reference=f"CoC{n}-enduring-2022-PEEL-CoC",
            text=LONG_CAUSE,
        )
        world.period.causes_of_concern.add(cause)
    laid_out = []
    layout = pdf.layout
    monkeypatch.setattr(pdf, "layout", lambda html: laid_out.append(layout(html)) or laid_out[-1])
    client.force_login(opcc)

    response = client.get(reverse("dashboards:pack-pdf"), {"force": world.force.pk})

    assert response.status_code == 200
    found = boxes_past_the_margin(laid_out[0])
    assert not found, "\n".join(found)
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    # One column says how the recommendations under each cause stand.
    assert "Its recommendations" in text
    assert "2: 1 not started, 1 in progress" in text
    assert text.count("None recorded") == 4
