"""IO-free: who may use the console. SCARE staff have one of four roles; a cinema user is tied to one
cinema and sees only it. `admin` and `finance` must sign in with a second factor (TOTP)."""

from __future__ import annotations

ROLES: dict[str, str] = {
    "admin": "administration",
    "operator": "exploitation",
    "finance": "finances",
    "auditor": "audit (lecture seule)",
    "cinema": "cinéma",
}
STAFF = frozenset({"admin", "operator", "finance", "auditor"})
EVERYONE = frozenset(ROLES)
TOTP_REQUIRED = frozenset({"admin", "finance"})

# what each route family allows (admin/web.py declares each route with one of these)
READ_STAFF = STAFF  # figures and records every staff role may read
RUN = frozenset({"admin", "operator"})  # running the service: builds, erasures, sites' keys
AUDIT = frozenset({"admin", "auditor"})
FINANCE = frozenset({"admin", "finance"})  # the money: freezing contributions, and the pages to come
FINANCE_READ = FINANCE | {"auditor"}  # the money's pages: the auditor reads them
ADMIN = frozenset({"admin"})  # the keys: rotating one from the « Système » page
