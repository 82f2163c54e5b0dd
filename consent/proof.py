"""What a consent record keeps of the signal behind pooled events (IO-free; issue 21, item 8).

A consent record must prove the decision, not identify the person. A whole IAB TC string carries its
creation and update times to the tenth of a second, near unique per person: kept as such, it would
link a person's records across a pooled-key rotation. So a record keeps:

- for a TC string, what proves the decision: the CMP id and version, the TCF and vendor-list
  versions, the consent language and publisher country, the purposes consented (and on legitimate
  interest), the vendors among those that matter to the SCARE (its own id, the partners') with
  consent, their publisher restrictions, and the day of the decision (UTC, not the instant);
- for the other sources (the tag's API, tarteaucitron, Klaro), the purposes list as received: it is
  one of a few banner states, identical for everyone who made the same choice;
- and, beside it, a keyed hash of the signal as received (`collector/events.py`), under the pooled
  key version of the moment: whoever holds the string later (the CMP's log, the visitor's cookie)
  can show it is the one behind the record while that key lives, and records under two key versions
  share nothing derived from the string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from artaud.consent.decision import Decision, Policy, Signals, decide
from artaud.consent.tcf import TCString
from artaud.consent.tcf_policy import TcfPolicy, pooled_and_partners


def _ids(ids: frozenset[int] | set[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def relevant_vendors(policy: TcfPolicy) -> frozenset[int]:
    """The vendor ids whose consent decides something here: the SCARE's and the partners'."""
    return frozenset(v for v in (policy.scare_vendor_id, *policy.partner_vendor_ids.values()) if v)


def tcf_summary(tc: TCString, policy: TcfPolicy) -> str:
    """The decision-proving content of a decoded TC string, in a stable `key=value;…` form."""
    vendors = relevant_vendors(policy)
    restrictions = sorted(
        f"{r.purpose}:{r.type}:{v}" for r in tc.publisher_restrictions for v in sorted(r.vendors & vendors)
    )
    return ";".join(
        (
            f"cmp={tc.cmp_id}",
            f"cmp_version={tc.cmp_version}",
            f"tcf={tc.version}.{tc.policy_version}",
            f"gvl={tc.vendor_list_version}",
            f"language={tc.consent_language}",
            f"country={tc.publisher_country_code}",
            f"decided={tc.last_updated.date().isoformat()}",
            f"purposes={_ids(tc.purpose_consents)}",
            f"legitimate_interests={_ids(tc.purpose_legitimate_interests)}",
            f"special_features={_ids(tc.special_feature_optins)}",
            f"vendors={_ids(tc.vendor_consents & vendors)}",
            f"restrictions={','.join(restrictions)}",
        )
    )


@dataclass(frozen=True)
class TcfProof:
    """A TC string's summary read back: enough to decide again what it covered."""

    purpose_consents: frozenset[int]
    vendor_consents: frozenset[int]
    restrictions: frozenset[tuple[int, int, int]]  # (purpose, type, vendor)
    decided: date

    def restriction(self, purpose: int, vendor: int) -> int | None:
        for p, kind, v in sorted(self.restrictions):
            if p == purpose and v == vendor:
                return kind
        return None


def _read_ids(text: str) -> frozenset[int]:
    return frozenset(int(i) for i in text.split(",") if i)


def read_tcf_summary(summary: str) -> TcfProof:
    """Raises ValueError if `summary` is not one `tcf_summary` wrote."""
    try:
        f = dict(part.split("=", 1) for part in summary.split(";"))
        return TcfProof(
            purpose_consents=_read_ids(f["purposes"]),
            vendor_consents=_read_ids(f["vendors"]),
            restrictions=frozenset(
                (int(p), int(t), int(v))
                for p, t, v in (r.split(":") for r in f["restrictions"].split(",") if r)
            ),
            decided=date.fromisoformat(f["decided"]),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a TC string summary: {exc}") from None


def decide_again(source: str, signal: str, policy: Policy) -> Decision:
    """The decision a consent record proves, decided again from what it kept (as of the decision:
    a string's age is not judged again)."""
    if source == "tcf":
        pooled, partners = pooled_and_partners(read_tcf_summary(signal), policy.tcf)
        return Decision(True, pooled, partners, "tcf", "")
    cmp = source if source in ("tac", "klaro") else None
    return decide(Signals(tag_purposes=signal, cmp=cmp), policy)
