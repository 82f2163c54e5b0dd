"""The command line's error paths: clear messages and exit codes, no tracebacks."""

from __future__ import annotations

import pytest

from artaud.cli import main


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch, tmp_path):
    """`--data-dir` sets ARTAUD_PATHS__DATA_DIR in the process; put it back after each test."""
    monkeypatch.setenv("ARTAUD_PATHS__DATA_DIR", str(tmp_path))


def test_consent_needs_a_question_and_says_when_nothing_matches(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "consent"]) == 2
    assert "give --event" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "consent", "--event", "nope-0001"]) == 1
    assert "no such event" in capsys.readouterr().err


def add(tmp_path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path), "cinemas", "add", *args])


def test_cinemas_add_reports_every_wrong_field(tmp_path, capsys):
    assert add(tmp_path, "--cnc", "12AB", "--name", "", "--category", "Z") == 2
    err = capsys.readouterr().err
    assert "cnc_id" in err and "category" in err and "name" in err
    assert (
        add(
            tmp_path,
            "--cnc",
            "750012",
            "--name",
            "Le Champo",
            "--category",
            "A",
            "--domains",
            "lechampo.example",
        )
        == 0
    )
    assert "site key sk_" in capsys.readouterr().out
    assert add(tmp_path, "--cnc", "750012", "--name", "X", "--category", "A") == 2


def test_import_is_all_or_nothing_unless_partial(tmp_path, capsys):
    csv = tmp_path / "cinemas.csv"
    csv.write_text(
        "N° auto;Nom;Commune;Catégorie\n0750012;Le Champo;Paris;A\n12AB;Cassé;X;Z\n", encoding="utf-8"
    )
    assert main(["--data-dir", str(tmp_path), "cinemas", "import", str(csv)]) == 2
    assert "nothing imported" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "cinemas", "import", str(csv), "--partial"]) == 1
    assert "imported 1 cinema(s), rejected 1 row(s)" in capsys.readouterr().out
    main(["--data-dir", str(tmp_path), "cinemas", "list"])
    assert "Le Champo" in capsys.readouterr().out


def test_bad_settings_stop_with_the_key(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ARTAUD_COLLECTOR__PORT", "eighty")
    assert main(["--data-dir", str(tmp_path), "cinemas", "list"]) == 2
    assert "collector.port" in capsys.readouterr().err


def test_segments_build_shows_progress_and_list_shows_the_results(tmp_path, capsys):
    assert add(tmp_path, "--cnc", "750012", "--name", "Le Champo", "--category", "A", "--labels", "JP") == 0
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path), "segments", "build"]) == 0
    out, err = capsys.readouterr()
    assert "[1/" in err and "done:" in err  # progress
    assert "published of" in out and "art-et-essai" in out and "below_k: 0 members" in out
    assert main(["--data-dir", str(tmp_path), "segments", "list"]) == 0
    assert "art-et-essai" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "segments", "build", "--only", "nope"]) == 2
    assert "nope: no such segment" in capsys.readouterr().err


def test_bad_segment_definitions_are_a_clear_error(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "segments.toml"
    bad.write_text('[[segment]]\nid = "x"\nversion = 1\ntitle = "X"\nper = "city"\n')
    monkeypatch.setenv("ARTAUD_SEGMENTS__DEFINITIONS_FILE", str(bad))
    assert main(["--data-dir", str(tmp_path), "segments", "build"]) == 2
    assert "segment definitions: x.per: one of category, film, region" in capsys.readouterr().err


def test_partners_accounts_keys_and_audit(tmp_path, capsys):
    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path), "partners", *args])

    assert run("add", "--slug", "acme", "--name", "Acme", "--min-audience", "300") == 0
    assert run("add", "--slug", "acme", "--name", "Acme") == 2
    assert "already exists" in capsys.readouterr().err
    assert run("key", "--slug", "acme", "--segments", "art-et-essai,film", "--formats", "jsonl") == 0
    out, err = capsys.readouterr()
    token = out.splitlines()[1]
    assert token.startswith("pk_") and "not stored" in err
    prefix = token.split("_")[1]
    assert run("key", "--slug", "acme", "--formats", "xml") == 2
    assert "formats" in capsys.readouterr().err
    assert run("key", "--slug", "acme", "--expires", "2027-06-30") == 0
    assert "expires 2027-06-30T22:00:00+00:00" in capsys.readouterr().out  # the end of that day in Paris
    assert run("key", "--slug", "acme", "--expires", "2020-01-01") == 2
    assert "expires: a moment in the future" in capsys.readouterr().err
    assert run("key", "--slug", "acme", "--expires", "soon") == 2
    assert "expires: a date YYYY-MM-DD or a number of days" in capsys.readouterr().err
    assert run("list") == 0
    assert (
        "acme" in (listing := capsys.readouterr().out) and "keys 2 live/2" in listing and token not in listing
    )
    assert run("revoke", "--prefix", prefix) == 0
    assert run("revoke", "--prefix", prefix) == 2
    assert "no active key" in capsys.readouterr().err
    assert run("suspend", "--slug", "nobody") == 2
    assert run("audit") == 0


def test_partners_sync_urls_are_checked_shown_and_cleared(tmp_path, capsys):
    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path), "partners", *args])

    assert run("add", "--slug", "acme", "--name", "Acme") == 0
    assert run("sync", "--slug", "acme", "--url", "http://sync.acme.fr/m") == 2
    err = capsys.readouterr().err
    assert "error: sync URL: must contain {xid} exactly once" in err and "must use https" in err
    assert run("sync", "--slug", "nobody", "--url", "https://sync.acme.fr/m?xid={xid}") == 2
    assert "no partner" in capsys.readouterr().err
    assert run("sync", "--slug", "acme", "--url", " https://sync.acme.fr/m?xid={xid} ") == 0
    assert "ID sync to https://sync.acme.fr/m?xid={xid}" in capsys.readouterr().out
    assert run("list") == 0
    assert "sync https://sync.acme.fr/m?xid={xid}" in capsys.readouterr().out
    assert run("sync", "--slug", "acme", "--clear") == 0
    assert run("list") == 0
    assert "sync -" in capsys.readouterr().out.splitlines()[-1]


def test_erase_needs_a_pooled_pseudonym(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "erase", "--visitor", "someone@example.org"]) == 2
    assert "pooled pseudonym" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "erase", "--visitor", "p1." + "ab" * 16]) == 0


def test_campaigns_add_list_approve(tmp_path, capsys):
    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path), "campaigns", *args])

    good = [
        "--id", "2026-04-ete", "--distributor", "Pyramide Distribution", "--siren", "732 829 320",
        "--film", "L'Été dernier", "--director", "Catherine Breillat", "--partner", "agence-x",
        "--start", "2026-04-01", "--end", "2026-04-30", "--payment-cents", "1234567",
        "--vat-rate", "0.20", "--fee-rate", "0.10", "--invoice", "FA-042",
    ]  # fmt: skip
    # one line per wrong field, each naming it
    assert run("add", *good[:4], "--siren", "123", "--film", "", *good[10:12], "--start", "2026-05-01",
               "--end", "2026-04-01", "--payment-cents", "12,5", "--vat-rate", "1", "--fee-rate", "0.1") == 2  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].strip() for line in err] == [
        "siren",
        "film_title",
        "end",
        "payment_cents",
        "vat_rate",
    ]
    assert all(line.startswith("error: ") for line in err)
    assert run("add", *good) == 2  # no such partner yet
    assert capsys.readouterr().err == "error: partner: no partner 'agence-x'\n"
    assert (
        main(["--data-dir", str(tmp_path), "partners", "add", "--slug", "agence-x", "--name", "Agence X"])
        == 0
    )
    assert run("add", *good) == 0
    assert "campaign 2026-04-ete recorded" in (out := capsys.readouterr().out) and "not approved" in out
    assert "l-ete-dernier~catherine-breillat" in out
    assert run("add", *good) == 2
    assert "already exists" in capsys.readouterr().err
    assert run("list") == 0
    assert "NOT APPROVED" in (listing := capsys.readouterr().out) and "732829320" in listing
    assert run("approve", "2026-04-ete", "--by", "Bureau du SCARE") == 0
    assert "approved by Bureau du SCARE" in capsys.readouterr().out
    assert run("approve", "2026-04-ete", "--by", "Someone") == 2
    assert "already approved by Bureau du SCARE" in capsys.readouterr().err
    assert run("approve", "nope", "--by", "Someone") == 2
    assert "error: no campaign 'nope'" in capsys.readouterr().err
    assert run("list") == 0
    assert "approved by Bureau du SCARE" in capsys.readouterr().out


def test_keys_rotate_is_the_consoles_rotation_bank_details_reencrypted(tmp_path, capsys):
    """`artaud keys rotate` and the console's « Faire tourner » share runtime/jobs.py `rotate_key`."""
    from artaud.config.settings import load
    from artaud.controlplane.model import make_cinema
    from artaud.remuneration.bank import BankAccount
    from artaud.remuneration.bank_store import BankStore
    from artaud.wiring import control, keyring

    settings = load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path)})
    cp = control(settings)
    try:
        cp.migrate()
        cp.add_cinema(make_cinema(cnc_id="750012", name="Le Champo", town="Paris", category="A"))
        BankStore(cp.engine, keyring(settings)).set(
            "750012", BankAccount("Le Champo", "FR7630006000011234567890189"), "Anne"
        )
        assert main(["--data-dir", str(tmp_path), "keys", "rotate", "--purpose", "bank-details"]) == 0
        out = capsys.readouterr().out
        assert "new key bank-details v2" in out and "re-encrypted 1 cinema(s)' bank details" in out
        assert BankStore(cp.engine, keyring(settings)).versions_in_use() == {2}
    finally:
        cp.close()
