"""Statements each cinema can verify alone: its line, proved to be in the campaign's published root.

A campaign's leaves are one totals leaf (index 0) then one line per cinema in CNC order; the SCARE
publishes the root of their RFC 9162 Merkle tree (`merkle`). A cinema's statement carries its line,
the totals leaf and both audit paths: recomputing the root from them proves both are the published
ones, without showing any other cinema's line. The root alone does not commit to the tree's size or
to which leaf is the totals, so the totals leaf says how many cinemas there are and starts with its
own tag; `verify` checks what one line and the totals can show (the size, the index, amount ≤ pot,
the amounts' sum = pot = payment − fee). IO-free.

Each line ends with a salt of 128 random bits that only its cinema receives. The first hash of a
cinema's audit path is often its neighbour's leaf hash, and a line has few possible values (a CNC
number from the public list, a contribution, an amount at most the pot): unsalted, a neighbour's
line is found from one statement by trying them all. With the salt, nobody without the
neighbour's statement can. The totals leaf is not salted: every cinema receives it.

Leaves are tab-separated ASCII text rather than JSON so that any language checks them with a split:

    artaud.remuneration.line/2   CNC  contribution  amount_cents  salt
    artaud.remuneration.totals/1 campaign  payment_cents  fee_rate  fee_cents  pot_cents  sum_cents
                                 cinemas  policy  policy_version  params  inputs_sha256

(one tab between fields), numbers as `fraction_text` writes them, the salt as 32 lowercase hex
digits, params as the canonical JSON of the inputs hash (sorted keys, no spaces, ASCII: it holds no
tab). No statement was ever issued with the unsalted `artaud.remuneration.line/1`: it is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from artaud.remuneration.distribution import Distribution, canonical_inputs
from artaud.remuneration.errors import InvalidStatement
from artaud.remuneration.inputs import Participant, check_participants
from artaud.remuneration.merkle import MerkleTree, root_from_path
from artaud.remuneration.money import fee_cents
from artaud.remuneration.numbers import exact_number, fraction_text
from artaud.remuneration.policies import policy_of

STATEMENT_FORMAT = "artaud.remuneration.statement/1"
LINE_TAG = "artaud.remuneration.line/2"
_UNSALTED_LINE_TAG = "artaud.remuneration.line/1"  # never issued: refused by name
TOTALS_TAG = "artaud.remuneration.totals/1"
# written into a tab-separated leaf, and into file names and URLs: no tab, no space, no newline
_CAMPAIGN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}")
_CNC = re.compile(r"[0-9]{7}")
_CENTS = re.compile(r"0|[1-9][0-9]{0,17}")
_HASH = re.compile(r"[0-9a-f]{64}")
_SALT = re.compile(r"[0-9a-f]{32}")
_KEYS = {
    "format",
    "campaign",
    "root",
    "tree_size",
    "line_index",
    "line",
    "line_path",
    "totals",
    "totals_path",
}


@dataclass(frozen=True)
class Published:
    """What the SCARE publishes (the root) and what each cinema receives (its statement)."""

    campaign: str
    root: str  # hex
    statements: dict[str, dict[str, object]]  # CNC number -> statement, in CNC order


def totals_leaf(campaign: str, distribution: Distribution) -> str:
    d = distribution
    params = json.dumps(d.params, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    fields = [TOTALS_TAG, campaign, d.payment_cents, fraction_text(d.fee_rate), d.fee_cents, d.pot_cents]
    fields += [sum(d.amounts.values()), len(d.amounts), d.policy, d.policy_version, params, d.inputs_sha256]
    return "\t".join(map(str, fields))


def line_leaf(cinema: str, contribution: Fraction, amount_cents: int, salt: str) -> str:
    return "\t".join([LINE_TAG, cinema, fraction_text(contribution), str(amount_cents), salt])


def new_salt(cinema: str) -> str:
    """128 random bits for a cinema's line, as 32 lowercase hex digits (the cinema is not used)."""
    return secrets.token_hex(16)


def publish(
    campaign: str,
    distribution: Distribution,
    cinemas: Iterable[Participant],
    salt: Callable[[str], str] | None = None,
) -> Published:
    """The root and every cinema's statement for a campaign's distribution.

    `cinemas` are the participants the distribution was computed from: the contributions are not in
    a Distribution, and they must be the very ones its inputs hash covers, or a statement would prove
    a contribution nobody shared the pot by.

    `salt` gives a cinema's salt from its CNC number (32 lowercase hex digits): for tests and
    examples that must be reproducible. By default each line gets 128 fresh random bits, so two
    publications of the same distribution have different roots: publish once and keep what it gives.
    """
    if not isinstance(campaign, str) or not _CAMPAIGN.fullmatch(campaign):
        raise InvalidStatement(
            f"campaign id: 1 to 100 of A-Z a-z 0-9 . _ : / - (starting with a letter or digit), got {campaign!r}"
        )
    listed = check_participants(cinemas)
    d = distribution
    policy = policy_of(d.policy, d.params, d.policy_version)
    digest = hashlib.sha256(canonical_inputs(listed, d.payment_cents, d.fee_rate, policy)).hexdigest()
    if digest != d.inputs_sha256:
        raise InvalidStatement("the cinemas are not the ones this distribution was computed from")
    by_cnc = sorted(listed, key=lambda c: c.cinema)
    salt_of = new_salt if salt is None else salt
    salts = {c.cinema: salt_of(c.cinema) for c in by_cnc}
    for cinema, value in salts.items():
        if not isinstance(value, str) or not _SALT.fullmatch(value):
            raise InvalidStatement(
                f"the salt of cinema {cinema} must be 32 lowercase hex digits, got {value!r}"
            )
    if len(set(salts.values())) != len(salts):
        # a cinema would know its neighbour's salt: its own
        raise InvalidStatement("each cinema's salt must be its own: two cinemas have the same salt")
    totals = totals_leaf(campaign, d)
    leaves = [totals] + [
        line_leaf(c.cinema, c.contribution, d.amounts[c.cinema], salts[c.cinema]) for c in by_cnc
    ]
    tree = MerkleTree([leaf.encode("ascii") for leaf in leaves])
    root = tree.root.hex()
    totals_path = [h.hex() for h in tree.audit_path(0)]
    statements: dict[str, dict[str, object]] = {}
    for index, c in enumerate(by_cnc, start=1):
        statements[c.cinema] = {
            "format": STATEMENT_FORMAT,
            "campaign": campaign,
            "root": root,
            "tree_size": tree.size,
            "line_index": index,
            "line": leaves[index],
            "line_path": [h.hex() for h in tree.audit_path(index)],
            "totals": totals,
            "totals_path": totals_path,
        }
    return Published(campaign, root, statements)


def load_statement(data: bytes, source: str = "statement") -> dict[str, object]:
    """A statement file's bytes as the dict `verify` takes; InvalidStatement says what is wrong."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidStatement(f"{source}: not a JSON statement ({exc})") from None
    if not isinstance(document, dict):
        raise InvalidStatement(f"{source}: not a JSON statement (an object with {', '.join(sorted(_KEYS))})")
    return document


@dataclass(frozen=True)
class _Read:
    campaign: str
    root: str
    tree_size: int
    line_index: int
    line: str
    line_path: list[bytes]
    totals: str
    totals_path: list[bytes]


def _text(statement: Mapping[str, object], key: str) -> str:
    value = statement[key]
    if not isinstance(value, str) or not value.isascii():
        raise InvalidStatement(f"not a statement: {key} must be ASCII text")
    return value


def _whole(statement: Mapping[str, object], key: str) -> int:
    value = statement[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidStatement(f"not a statement: {key} must be a whole number")
    return value


def _path(statement: Mapping[str, object], key: str) -> list[bytes]:
    path = statement[key]
    if not isinstance(path, list) or not all(isinstance(h, str) and _HASH.fullmatch(h) for h in path):
        raise InvalidStatement(f"not a statement: {key} must be a list of 64-hex-digit hashes")
    return [bytes.fromhex(h) for h in path]


def _shape(statement: Mapping[str, object]) -> _Read:
    """The keys and types, so that `verify` only ever reports on content; the leaves' text may still
    be anything (a leaf is hashed as it is, then read)."""
    if not isinstance(statement, Mapping):
        raise InvalidStatement("not a statement: a JSON object is expected")
    missing = sorted(_KEYS - set(statement))
    if missing:
        raise InvalidStatement(f"not a statement: no {', '.join(missing)}")
    if statement["format"] != STATEMENT_FORMAT:
        raise InvalidStatement(f"not a statement of format {STATEMENT_FORMAT}: {statement['format']!r}")
    root = _text(statement, "root")
    if not _HASH.fullmatch(root):
        raise InvalidStatement("not a statement: root must be 64 lowercase hex digits")
    return _Read(
        campaign=_text(statement, "campaign"),
        root=root,
        tree_size=_whole(statement, "tree_size"),
        line_index=_whole(statement, "line_index"),
        line=_text(statement, "line"),
        line_path=_path(statement, "line_path"),
        totals=_text(statement, "totals"),
        totals_path=_path(statement, "totals_path"),
    )


def _cents(text: str) -> int | None:
    return int(text) if _CENTS.fullmatch(text) else None


def _canonical_number(text: str) -> Fraction | None:
    try:
        value = exact_number(text)
    except ValueError:
        return None
    return value if fraction_text(value) == text else None


def verify(statement: Mapping[str, object], published_root: str | None = None) -> list[str]:
    """What is wrong with a statement, in French for the cinema's accountant; empty when it checks out.

    Raises InvalidStatement when it is no statement at all (a key missing, a hash that is not hex).
    `published_root` is the root the SCARE published, when the reader has it: without it a statement
    only proves it agrees with itself.
    """
    read = _shape(statement)
    problems: list[str] = []
    root, size, index, line, totals = read.root, read.tree_size, read.line_index, read.line, read.totals
    line_path, totals_path = read.line_path, read.totals_path

    if published_root is not None:
        published = published_root.strip().lower()
        if not _HASH.fullmatch(published):
            raise InvalidStatement(f"--root: the published root is 64 hex digits, got {published_root!r}")
        if published != root:
            problems.append(f"la racine du relevé ({root}) n'est pas la racine publiée ({published})")
    if root_from_path(totals.encode("ascii"), 0, size, totals_path) != bytes.fromhex(root):
        problems.append("la ligne des totaux ne mène pas à la racine par son chemin d'audit")
    if not 1 <= index < size:
        problems.append(f"la position de la ligne ({index}) n'est pas entre 1 et {size - 1}")
    elif root_from_path(line.encode("ascii"), index, size, line_path) != bytes.fromhex(root):
        problems.append("la ligne du cinéma ne mène pas à la racine par son chemin d'audit")

    t = totals.split("\t")
    if len(t) != 12 or t[0] != TOTALS_TAG:
        problems.append(f"la ligne des totaux n'est pas de la forme {TOTALS_TAG} (12 champs)")
        return problems
    _, campaign, payment_t, rate_t, fee_t, pot_t, sum_t, count_t, _policy, _version, _params, digest = t
    payment, fee, pot, total, count = map(_cents, (payment_t, fee_t, pot_t, sum_t, count_t))
    rate = _canonical_number(rate_t)
    if campaign != read.campaign:
        problems.append(f"la campagne des totaux ({campaign}) n'est pas celle du relevé ({read.campaign})")
    if payment is None or fee is None or pot is None or total is None or count is None or rate is None:
        problems.append("un montant, la commission ou le nombre de cinémas des totaux est illisible")
        return problems
    if not _HASH.fullmatch(digest):
        problems.append("l'empreinte des entrées n'est pas un SHA-256 en hexadécimal")
    if not 0 <= rate < 1 or fee != fee_cents(payment, rate):
        problems.append(
            f"la commission ({fee} c) n'est pas {rate_t} du paiement ({payment} c) arrondi au centime"
        )
    if pot != payment - fee:
        problems.append(f"le pot ({pot} c) n'est pas le paiement moins la commission ({payment - fee} c)")
    if total != pot:
        problems.append(f"la somme des montants ({total} c) n'est pas le pot ({pot} c)")
    if size != count + 1:
        problems.append(f"l'arbre a {size} feuilles, et non les {count} cinémas plus la ligne des totaux")

    fields = line.split("\t")
    if fields[0] == _UNSALTED_LINE_TAG:
        problems.append(
            f"la ligne du cinéma est de l'ancienne forme {_UNSALTED_LINE_TAG}, sans sel, que le SCARE n'a "
            f"jamais émise : un relevé a une ligne de la forme {LINE_TAG}"
        )
        return problems
    if len(fields) != 5 or fields[0] != LINE_TAG:
        problems.append(f"la ligne du cinéma n'est pas de la forme {LINE_TAG} (5 champs)")
        return problems
    _, cinema, contribution_t, amount_t, salt = fields
    if not _SALT.fullmatch(salt):
        problems.append(f"le sel de la ligne ({salt}) n'est pas de 32 chiffres hexadécimaux minuscules")
    contribution, amount = _canonical_number(contribution_t), _cents(amount_t)
    if not _CNC.fullmatch(cinema):
        problems.append(f"le numéro CNC ({cinema}) n'a pas 7 chiffres")
    if contribution is None or contribution < 0:
        problems.append(f"l'apport ({contribution_t}) n'est pas un nombre exact ≥ 0")
    if amount is None:
        problems.append(f"le montant ({amount_t}) n'est pas un nombre entier de centimes ≥ 0")
    elif amount > pot:
        problems.append(f"le montant ({amount} c) dépasse le pot ({pot} c)")
    return problems
