"""The accountability pack as a PDF, rendered on the server by WeasyPrint.

WeasyPrint needs Pango from Debian (scripts/lib/setup.sh installs it). It is
imported only when a PDF is asked for: it is slow to import and no other page
needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

PACK_STYLESHEET = "css/pack.css"


class NoFetching(ValueError):
    pass


def _refuse(url: str, *args: object, **kwargs: object) -> dict:
    # The pack is self-contained (inline SVG, stylesheet passed in below). Refusing
    # every fetch means no text in a finding can make the server request a URL or
    # read a local file while rendering.
    raise NoFetching(f"The PDF pack fetches nothing; refused {url!r}.")


def layout(html: str) -> Any:
    """The pack laid out in pages (a WeasyPrint Document), before it is written as a PDF."""
    from weasyprint import CSS, HTML

    stylesheet = Path(finders.find(PACK_STYLESHEET)).read_text(encoding="utf-8")
    # SITE_URL turns the pack's links into absolute ones that open Oversight from
    # the PDF; links are not fetched, so this does not widen what is fetched.
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=_refuse)
    return document.render(stylesheets=[CSS(string=stylesheet, url_fetcher=_refuse)])


def render_pdf(html: str) -> bytes:
    return layout(html).write_pdf()
