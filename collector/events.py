"""IO-free: turn a validated hit plus what the edge derived into warehouse-ready events.

Inputs here are already minimised (region, agent class, exempt hash); raw IP and user
agent never reach this module. The first-party id is replaced by its pooled pseudonym,
and only when the consent decision covers the pooled purpose.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from artaud.collector import minimise
from artaud.collector.agents import Agent
from artaud.collector.films import film_ref
from artaud.collector.hit import RawHit
from artaud.collector.pseudonym import Pseudonymiser, keyed_hash
from artaud.collector.salts import local_day
from artaud.collector.urls import clean_url, host_of, scrub
from artaud.consent.decision import POLICY_VERSION, Decision
from artaud.consent.proof import tcf_summary
from artaud.consent.tcf import TCFError, decode
from artaud.consent.tcf_policy import TcfPolicy

SCHEMA_VERSION = 1


@lru_cache(maxsize=8)  # hits come at second resolution: one conversion a second, not two a hit
def _stamps(when: datetime) -> tuple[str, str]:
    """The UTC second of an instant, and the cinemas' day it falls in (Europe/Paris): the day of its
    salt, so that one device is one visitor a day (not two between Paris and UTC midnight)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), local_day(when).isoformat()


@dataclass(frozen=True)
class Edge:
    cinema_id: int
    received_at: datetime  # UTC
    agent: Agent
    region: str
    exempt_visitor: str  # keyed hash under today's salt; "" if not computable
    exempt_salt: bytes
    decision: Decision


def consent_record(
    hit: RawHit, edge: Edge, pseudo: Pseudonymiser, tcf: TcfPolicy | None = None
) -> dict[str, Any] | None:
    """The proof behind a hit's pooled events (`consent/proof.py`): what proves the decision, a keyed
    hash of the signal as received under the pooled key version of the moment, the decision and the
    policy version. None unless the hit is on the pooled track. The record's id is derived from the
    keyed hash: records under two key versions share nothing derived from the signal."""
    if not (edge.decision.pooled and hit.visitor_id):
        return None
    if edge.decision.source == "tcf":
        raw = hit.tcf or ""
        try:
            signal = tcf_summary(decode(raw), tcf or TcfPolicy())
        except TCFError:  # a pooled decision implies a string that decodes; kept out all the same
            signal = "undecodable"
    else:
        raw = signal = hit.consent or ""
    signal_hash = pseudo.value("consent", raw)
    purposes = edge.decision.purposes
    digest = hashlib.sha256(
        "\x1f".join(
            (str(edge.cinema_id), edge.decision.source, signal, signal_hash, purposes, POLICY_VERSION)
        ).encode()
    ).hexdigest()[:32]
    ts, day = _stamps(edge.received_at)
    return {
        "_t": "consent",
        "consent_id": "c." + digest,
        "recorded_at": ts,
        "record_date": day,
        "cinema_id": edge.cinema_id,
        "source": edge.decision.source,
        "signal": signal,
        "signal_hash": signal_hash,
        "key_version": pseudo.version,
        "purposes": purposes,
        "policy_version": POLICY_VERSION,
    }


def suppression_record(
    visitor: str, cinema_id: int, when: datetime, kind: str = "withdraw"
) -> dict[str, Any]:
    """A pooled pseudonym that no build or export may include any more (withdrawal or erasure)."""
    ts, _ = _stamps(when)
    return {
        "_t": "suppression",
        "visitor": visitor,
        "kind": kind,
        "suppressed_at": ts,
        "cinema_id": cinema_id,
    }


def _referrer_host(referrer: str, secrets: minimise.Secrets) -> str:
    host = minimise.host(host_of(referrer))
    return "" if secrets.found_in(host) else host


def link_records(visitor: str, older: Sequence[str], when: datetime) -> list[dict[str, Any]]:
    """During a pooled-key rotation: the person's pseudonyms under older live versions are the same
    person as `visitor` (kept only while those keys live: `warehouse/links.py`)."""
    _, day = _stamps(when)
    return [{"_t": "link", "visitor": visitor, "linked": old, "linked_on": day} for old in older]


def build_events(
    hit: RawHit,
    edge: Edge,
    pseudo: Pseudonymiser,
    allowed_params: frozenset[str],
    page_url: str = "",
    consent_id: str = "",
    secrets: minimise.Secrets = minimise.NO_SECRETS,
) -> list[dict[str, Any]]:
    """The events to store. Every value kept passes `collector/minimise.py` (`secrets`: the request's
    own raw IP address, user agent and first-party id, which no field may carry), and what is derived
    (the film reference) is derived from what was kept."""
    pooled = edge.decision.pooled and bool(hit.visitor_id)
    if pooled:
        visitor, key_version = pseudo.pooled(hit.visitor_id), pseudo.version
    else:
        visitor, key_version = edge.exempt_visitor, 0
    ts, day = _stamps(edge.received_at)
    out = []
    for ev in hit.events:
        url = clean_url(ev.url or page_url, allowed_params)
        if url is not None:
            url = scrub(url, secrets)
        title = minimise.text(ev.film_title, secrets)
        director = minimise.text(ev.film_director, secrets)
        if ev.order_id:
            order = (
                pseudo.value("order", f"{edge.cinema_id}:{ev.order_id}")
                if pooled
                else keyed_hash(edge.exempt_salt, "order", str(edge.cinema_id), ev.order_id, length=24)
            )
        else:
            order = ""
        out.append(
            {
                "event_id": ev.event_id or str(uuid.uuid4()),
                "received_at": ts,
                "event_date": day,
                "cinema_id": edge.cinema_id,
                "track": "pooled" if pooled else "exempt",
                "visitor": visitor,
                "key_version": key_version,
                "event_name": ev.name,
                "url_host": url.host if url else "",
                "url_path": url.path if url else "",
                "url_params": url.params if url else "",
                "referrer_host": _referrer_host(ev.referrer, secrets) if ev.referrer else "",
                "film_key": minimise.token(ev.film_key, secrets),
                "film_title": title,
                "film_ref": film_ref(title, director),
                "show_id": minimise.token(ev.show_id, secrets),
                "show_start": ev.show_start,
                "version": ev.version,
                "quantity": ev.quantity,
                "value_cents": ev.value_cents,
                "currency": ev.currency,
                "order_hash": order,
                "region": edge.region,
                "device_class": edge.agent.device_class,
                "browser_family": edge.agent.browser_family,
                "os_family": edge.agent.os_family,
                "is_bot": 1 if edge.agent.is_bot else 0,
                "consent_source": edge.decision.source,
                "consent_purposes": edge.decision.purposes if pooled else "measure",
                "consent_objection": edge.decision.objection,
                "consent_id": consent_id if pooled else "",
            }
        )
    return out
