"""Every page of the console, found in the application itself: the GET routes declared with `@page`
(admin/guard.py), their path parameters filled from a table of sample values. A new page with a
parameter this table does not know fails every check that walks the pages (the page-language test,
the accessibility test, the screenshots script) until someone adds a sample value for it.

Shared by tests/admin/test_page_language.py (the Flask test client over the tests' kit),
tests/admin/test_accessibility.py and scripts/console_screenshots.py (Chromium against `artaud run`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from artaud.admin.guard import access_of

CINEMA = "9990001"  # a cinema of the tests' kit and of the demo data (runtime/demo.py)
CAMPAIGN = "2026-04-ete"  # the campaign tests/admin and the screenshots script record
PARTNER = "agence-x"  # the agency tests/admin and the screenshots script add


def samples(campaign: str = CAMPAIGN) -> dict[str, str]:
    """A value for each path parameter a page may have (by its name in the route)."""
    return {"cnc": CINEMA, "campaign_id": campaign, "slug": PARTNER, "purpose": "pooled-visitor"}


def queries() -> dict[str, str]:
    """The query string a page needs to show something (by route): a period around today."""
    today = date.today()
    period = f"du={today - timedelta(days=1)}&au={today + timedelta(days=1)}"
    return {"/releves": period, "/releves/<cnc>": period}


class UnknownParameter(LookupError):
    pass


@dataclass(frozen=True)
class Page:
    rule: str  # as declared, "/cinemas/<cnc>"
    path: str  # with its sample values, "/cinemas/9990001"
    roles: frozenset[str]

    @property
    def slug(self) -> str:
        """A file name for the page: "/cinemas/<cnc>/statistiques" → "cinemas-cnc-statistiques"."""
        return re.sub(r"[^a-z0-9]+", "-", self.rule.lower()).strip("-") or "accueil"


_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


def pages(app: Any, values: dict[str, str] | None = None) -> list[Page]:
    """Every GET route of `app` declared as a page, with its sample path (sorted by rule)."""
    values = samples() if values is None else values
    extra = queries()
    found = []
    for rule in app.url_map.iter_rules():
        access = access_of(app, rule.endpoint)
        if "GET" not in (rule.methods or set()) or access is None or access.kind != "page":
            continue
        unknown = [p for p in _PARAM.findall(rule.rule) if p not in values]
        if unknown:
            raise UnknownParameter(
                f"the page {rule.rule} has parameters {unknown} without a sample value: "
                "add one to samples() in tests/admin/pages.py"
            )
        path = _PARAM.sub(lambda m: values[m[1]], rule.rule)
        if rule.rule in extra:
            path += "?" + extra[rule.rule]
        found.append(Page(rule.rule, path, access.roles))
    return sorted(found, key=lambda p: p.rule)


def console_app() -> Any:
    """The console's application as `create_admin` makes it, over a throwaway control plane, only to
    read its routes (for a process that walks the pages of a console running elsewhere)."""
    import tempfile
    from pathlib import Path

    from artaud.admin.web import create_admin
    from artaud.controlplane.store import ControlPlane
    from tests.admin.helpers import make_kit

    tmp = Path(tempfile.mkdtemp(prefix="artaud-pages-"))
    cp = ControlPlane(f"sqlite:///{tmp / 'control.sqlite'}")
    console = make_kit(cp, tmp).console
    return create_admin(cp, None, lambda: {}, console)  # type: ignore[arg-type]  # routes only
