"""The SCARE's rules for managing a partner, one function each, shared by `artaud partners` and the
console's « Partenaires » pages: issue a key (its scopes and expiry as typed), register or remove
the ID sync URL, suspend or reactivate the account. Adding an account is `PartnerStore.add`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from artaud.collector.idsync import check_sync_url
from artaud.partners.keys import NewKey, new_key
from artaud.partners.records import InvalidPartner, key_problems
from artaud.partners.store import PartnerStore

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class IssuedKey:
    key: NewKey  # its token is given to the partner once and never stored
    segments: tuple[str, ...]
    formats: tuple[str, ...]
    expires_at: datetime | None


def key_expiry(value: str | None, now: datetime | None = None) -> datetime | None:
    """A key's expiry as typed: nothing (None), a number of days from now, or a date (the end of
    that day in Paris). Raises InvalidPartner on `expires`."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        days = int(value)
        if not 1 <= days <= 3650:
            raise InvalidPartner({"expires": "1 to 3650 days"})
        return (now or datetime.now(UTC)).replace(microsecond=0) + timedelta(days=days)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidPartner({"expires": "a date YYYY-MM-DD or a number of days"}) from None
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    return end.astimezone(UTC)


def split_list(text: str) -> tuple[str, ...]:
    """Comma-separated values, trimmed, without empty ones or repeats, in the order given."""
    return tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))


def issue_key(store: PartnerStore, slug: str, segments: str, formats: str, expires: str | None) -> IssuedKey:
    """A new API key for the partner, scoped to `segments` (ids, comma-separated, or *) and `formats`,
    expiring as `key_expiry` reads `expires`. Every field's problem is raised at once (InvalidPartner);
    PartnerError when there is no such partner. Only the key's hash is stored."""
    segs, fmts = split_list(segments), split_list(formats)
    now = datetime.now(UTC)
    problems: dict[str, str] = {}
    try:
        until = key_expiry(expires, now)
    except InvalidPartner as exc:
        problems.update(exc.problems)
        until = None
    problems = key_problems(segs, fmts, until, now) | problems
    if problems:
        raise InvalidPartner(problems)
    key = new_key()
    store.add_key(slug, key.prefix, key.secret_hash, segs, fmts, until)
    return IssuedKey(key, segs, fmts, until)


def register_sync(store: PartnerStore, slug: str, url: str | None) -> str | None:
    """Register the partner's ID sync URL as checked (SyncUrlError naming every problem), or with
    None remove it. Returns the URL as registered."""
    checked = None if url is None else check_sync_url(url)
    store.set_sync_url(slug, checked)
    return checked


def set_suspended(store: PartnerStore, slug: str, suspended: bool) -> None:
    """Suspend the account (its keys are refused and it gets no ID sync) or reactivate it."""
    store.set_status(slug, "suspended" if suspended else "active")
