"""The cinemas' bank details in the control plane's real SQL databases (a SQLite file; PostgreSQL
when marked), encrypted at rest under the key ring, readable after a rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from artaud.config.keyring import KeyRing, KeyringError
from artaud.controlplane import schema
from artaud.controlplane.model import make_cinema
from artaud.remuneration.bank import BankAccount, InvalidBankAccount
from artaud.remuneration.bank_store import PURPOSE, BankStore, SealedBankAccount, UnknownBankAccount

FR = "FR7630006000011234567890189"
DE = "DE89370400440532013000"


@pytest.fixture
def ring(tmp_path) -> KeyRing:
    return KeyRing(tmp_path / "secrets", env={})


@pytest.fixture
def store(cp, ring) -> BankStore:
    for cnc, name in (("750012", "Le Champo"), ("120033", "Le Méliès")):
        cp.add_cinema(make_cinema(cnc_id=cnc, name=name, town="Paris", category="A"))
    return BankStore(cp.engine, ring)


def raw_rows(store: BankStore) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(schema.bank_accounts))]


def test_set_get_and_replace(store: BankStore) -> None:
    at = datetime(2026, 11, 29, 10, tzinfo=UTC)
    listed = store.set("750012", BankAccount("Cinéma Le Champo", FR), "Anne Martin", at)
    assert (listed.cinema_cnc, listed.updated_by, listed.updated_at) == ("0750012", "Anne Martin", at)
    assert store.get("0750012") == BankAccount("Cinéma Le Champo", FR)
    assert store.get("120033") is None
    with pytest.raises(UnknownBankAccount):
        store.require("120033")
    store.set("0750012", BankAccount("SARL Le Champo", DE, "COBADEFFXXX"), "Paul")
    assert store.require("750012") == BankAccount("SARL Le Champo", DE, "COBADEFFXXX")
    assert [(r.cinema_cnc, r.iban_masked, r.updated_by) for r in store.list()] == [
        ("0750012", "DE89 •••• •••• •••• ••30 00", "Paul")
    ]


def test_the_table_holds_no_iban_holder_or_bic_in_clear(store: BankStore) -> None:
    store.set("750012", BankAccount("Cinéma Le Champo", FR, None), "Anne")
    [row] = raw_rows(store)
    assert row["iban_masked"] == "FR76 •••• •••• •••• •••• •••0 189"
    everything = " ".join(str(v) for v in row.values())
    assert FR not in everything and "30006000011234567890" not in everything
    assert "Champo" not in everything and "AGRIFR" not in everything
    assert row["key_version"] == 1 and row["ciphertext"] and row["nonce"]


def test_a_blob_copied_to_another_cinema_does_not_decrypt(store: BankStore) -> None:
    store.set("750012", BankAccount("Le Champo", FR), "Anne")
    store.set("120033", BankAccount("Le Méliès", DE), "Anne")
    [champo] = [r for r in raw_rows(store) if r["cinema_cnc"] == "0750012"]
    b = schema.bank_accounts
    with store.engine.begin() as conn:
        conn.execute(
            update(b)
            .where(b.c.cinema_cnc == "0120033")
            .values(nonce=champo["nonce"], ciphertext=champo["ciphertext"], iban_masked=champo["iban_masked"])
        )
    with pytest.raises(SealedBankAccount, match="0120033"):
        store.get("120033")
    assert store.get("750012") == BankAccount("Le Champo", FR)


def test_bad_input_names_the_field_and_stores_nothing(store: BankStore) -> None:
    with pytest.raises(InvalidBankAccount) as caught:
        store.set("999", BankAccount("X", FR), "Anne")
    assert list(caught.value.problems) == ["cinema"]
    with pytest.raises(InvalidBankAccount) as caught:
        store.set("75A", BankAccount("X", FR), "Anne")
    assert list(caught.value.problems) == ["cinema"]
    with pytest.raises(InvalidBankAccount) as caught:
        store.set("750012", BankAccount("X", FR), " ")
    assert list(caught.value.problems) == ["by"]
    with pytest.raises(InvalidBankAccount) as caught:
        store.set("750012", BankAccount("X", "FR7630006000011234567890188"), "Anne")
    assert list(caught.value.problems) == ["iban"]
    assert raw_rows(store) == [] and store.list() == []


def test_rotation_old_versions_decrypt_and_rekey_moves_every_row(store: BankStore, ring: KeyRing) -> None:
    store.set("750012", BankAccount("Le Champo", FR), "Anne")
    ring.rotate(PURPOSE, timedelta(days=1))  # as `artaud keys rotate --purpose bank-details` does
    store.set("120033", BankAccount("Le Méliès", DE), "Anne")
    assert store.versions_in_use() == {1, 2}
    assert store.get("750012") == BankAccount("Le Champo", FR)  # v1, retiring, still decrypts
    assert store.reencrypt() == 1 and store.versions_in_use() == {2}
    assert store.reencrypt() == 0
    version, moved = store.rekey(timedelta(days=1))
    assert (version, moved, store.versions_in_use()) == (3, 2, {3})
    assert ring.destroy_retired(datetime.now(UTC) + timedelta(days=2)) == [(PURPOSE, 1), (PURPOSE, 2)]
    assert store.get("750012") == BankAccount("Le Champo", FR)
    assert store.get("120033") == BankAccount("Le Méliès", DE)


def test_without_reencryption_a_destroyed_version_loses_the_row(store: BankStore, ring: KeyRing) -> None:
    """Why rotation must re-encrypt (the job below does): the check is not vacuous."""
    store.set("750012", BankAccount("Le Champo", FR), "Anne")
    ring.rotate(PURPOSE, timedelta(days=1))
    ring.destroy_retired(datetime.now(UTC) + timedelta(days=2))
    with pytest.raises(KeyringError, match="destroyed"):
        store.get("750012")


def test_the_rotate_keys_job_reencrypts_before_it_destroys(tmp_path) -> None:
    from artaud.config.settings import load
    from artaud.jobs import rotate_keys
    from artaud.wiring import control, keyring

    settings = load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path)})
    cp = control(settings)
    try:
        cp.migrate()
        cp.add_cinema(make_cinema(cnc_id="750012", name="Le Champo", town="Paris", category="A"))
        store = BankStore(cp.engine, keyring(settings))
        store.set("750012", BankAccount("Le Champo", FR), "Anne")
        assert rotate_keys(settings, None) == []  # nothing retiring: the control plane is not read
        keyring(settings).rotate(PURPOSE, timedelta(days=1))
        later = datetime.now(UTC) + timedelta(days=2)
        assert rotate_keys(settings, None, later) == [
            "coordonnées bancaires de 1 cinéma(s) rechiffrées sous la clé la plus récente",
            "Coordonnées bancaires des cinémas : version 1 de la clé détruite",
        ]
        assert BankStore(cp.engine, keyring(settings)).get("750012") == BankAccount("Le Champo", FR)
    finally:
        cp.close()
