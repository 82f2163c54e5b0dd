"""« Campagnes et rémunération »: the money pages over a real control plane and embedded warehouse:
French pages, forms with CSRF and French problems per field, the four policies side by side summing
to the pot, bookings through the page in the ledger, statements and the payout's pain.001 file."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest

from artaud import remuneration
from artaud.admin import money_fr
from artaud.admin.money_pages import Payouts
from artaud.admin.web import create_admin
from artaud.config.keyring import KeyRing
from artaud.controlplane import schema
from artaud.controlplane.model import make_cinema
from artaud.controlplane.store import ControlPlane
from artaud.errors import ArtaudError
from artaud.partners.store import PartnerStore
from artaud.remuneration.bank import BankAccount
from artaud.remuneration.bank_store import BankStore
from artaud.remuneration.campaign_store import CampaignStore
from artaud.remuneration.campaigns import make_campaign
from artaud.remuneration.distribution import distribute
from artaud.remuneration.money import euros_fr
from artaud.remuneration.preview import policy_from_options
from artaud.remuneration.runs import Runs
from artaud.warehouse.backend import ChdbWarehouse
from artaud.warehouse.migrate import migrate
from tests.admin.helpers import Kit, make_kit

CNC = ("9990001", "9990002", "9990003")
DEBTOR = BankAccount("SCARE", "FR7630006000011234567890189", None)
ENGLISH = re.compile(
    r"\b(required|approved|pro_rata|mutualist|solidarity|campaign|frozen|cents|payout|policy|"
    r"not found|already|invalid|a date|none)\b",
    re.IGNORECASE,
)


def visible(html: str) -> str:
    """What a person reads: the page without its tags and attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def money(tmp_path) -> Iterator[Kit]:
    cp = ControlPlane(f"sqlite:///{tmp_path / 'control.sqlite'}")
    cp.migrate()
    cp.add_cinemas(
        [
            make_cinema(cnc_id=cnc, name=f"Cinéma {i}", town="Ville", category=cat, domains=f"{i}.example")
            for i, (cnc, cat) in enumerate(zip(CNC, "ACE", strict=True))
        ]
    )
    PartnerStore(cp.engine).add("agence-x", "Agence X")
    bank = BankStore(cp.engine, KeyRing(tmp_path / "bank-secrets", env={}))
    for cnc in CNC:
        bank.set(cnc, BankAccount(f"Cinéma {cnc}", "DE89370400440532013000"), "tests")
    wh = ChdbWarehouse(tmp_path / "chdb", "artaud")
    migrate(wh)
    kit = make_kit(cp, tmp_path)
    kit.app = create_admin(cp, wh, lambda: {}, kit.console, payouts=Payouts(lambda: DEBTOR, bank))
    kit.account("finance", "finance")
    kit.account("auditor", "auditor")
    kit.account("ops", "operator")
    kit.account("cinema", "cinema", CNC[0])
    yield kit
    wh.close()
    cp.close()


def add_campaign(kit: Kit, approved: bool = True, campaign_id: str = "2026-04-ete") -> str:
    store = CampaignStore(kit.cp.engine)
    made = store.add(
        make_campaign(
            id=campaign_id,
            distributor="Pyramide Distribution",
            siren="732829320",
            film_title="L'Été dernier",
            director="Catherine Breillat",
            partner="agence-x",
            start="2026-04-01",
            end="2026-04-30",
            payment_cents="1000000",
            vat_rate="0.2",
            fee_rate="0.1",
        )
    )
    if approved:
        from datetime import UTC, datetime

        store.approve(made.id, "Claire Martin", datetime(2026, 3, 1, tzinfo=UTC))
    return made.id


CONTRIBUTIONS = (Fraction(5, 6), Fraction(5, 6), Fraction(4, 3))


def freeze(kit: Kit, campaign_id: str) -> None:
    """Frozen contributions written as the freeze does (tests/remuneration/test_runs.py)."""
    from datetime import UTC, datetime

    with kit.cp.engine.begin() as conn:
        conn.execute(
            schema.campaign_freezes.insert().values(
                campaign_id=campaign_id,
                frozen_at=datetime(2026, 5, 2, 9, tzinfo=UTC),
                frozen_by="Claire",
                visitors=3,
                exports="ex_1",
            )
        )
        for cnc, category, a, d in zip(CNC, "ACE", CONTRIBUTIONS, (30, 30, 15), strict=True):
            conn.execute(
                schema.campaign_contributions.insert().values(
                    campaign_id=campaign_id, cinema_cnc=cnc, category=category, contribution=str(a), days=d
                )
            )


def post(kit: Kit, client: Any, page: str, path: str, body: dict[str, str]) -> Any:
    return client.post(path, data={**kit.form(client, page), **body})


def test_the_campaigns_page_is_french(money: Kit) -> None:
    add_campaign(money)
    client = money.browser("finance")
    html = client.get("/campagnes").get_data(as_text=True)
    assert "Campagnes et rémunération" in html and "Pyramide Distribution" in html
    assert "1er avril 2026 – 30 avril 2026" in html and "10 000,00 €" in html
    assert "Claire Martin" in html and "Agence X" in html and "non répartie" in html
    assert not ENGLISH.search(visible(html)), ENGLISH.search(visible(html))


def test_recording_a_campaign_says_each_problem_in_french(money: Kit) -> None:
    client = money.browser("finance")
    bad = {
        "id": "Pas Bon!",
        "distributor": "",
        "siren": "123",
        "film_title": "Anatomie d'une chute",
        "partner": "agence-x",
        "start": "2026-05-10",
        "end": "2026-05-01",
        "payment": "douze euros",
        "vat_rate": "20",
        "fee_rate": "abc",
    }
    answer = post(money, client, "/campagnes", "/campagnes", bad)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    for field in ("id", "distributor", "siren", "end", "payment", "fee_rate"):
        assert f'id="e-{field}"' in html, field
    assert "la fin de la diffusion précède son début" in html and "SIREN invalide" in html
    assert not ENGLISH.search(visible(html))
    assert 'value="Anatomie d&#39;une chute"' in html  # what was typed stays in the form
    good = {**bad, "id": "2026-05-chute", "distributor": "Le Pacte", "siren": "732829320"}
    good |= {"end": "2026-05-31", "payment": "12 345,67", "vat_rate": "20", "fee_rate": "12,5"}
    answer = post(money, client, "/campagnes", "/campagnes", good)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/campagnes/2026-05-chute")
    made = CampaignStore(money.cp.engine).get("2026-05-chute")
    assert made is not None and made.payment_cents == 1234567
    assert made.fee_rate == Fraction(1, 8) and made.vat_rate == Fraction(1, 5) and not made.approved
    again = post(money, client, "/campagnes", "/campagnes", good)
    assert again.status_code == 409 and "existe déjà" in again.get_data(as_text=True)


def test_approving_through_the_page_records_who(money: Kit) -> None:
    campaign = add_campaign(money, approved=False)
    client = money.browser("finance")
    page = f"/campagnes/{campaign}"
    assert "non approuvée" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/approbation", data={}).status_code == 400  # no CSRF token
    assert post(money, client, page, f"{page}/approbation", {}).status_code == 303
    made = CampaignStore(money.cp.engine).get(campaign)
    assert made is not None and made.approved_by == "Finance"
    again = post(money, client, page, f"{page}/approbation", {})
    assert again.status_code == 409 and "déjà" in again.get_data(as_text=True)


def test_before_the_freeze_the_page_says_so_and_a_freeze_without_exports_is_refused(money: Kit) -> None:
    campaign = add_campaign(money)
    client = money.browser("finance")
    page = f"/campagnes/{campaign}"
    html = client.get(page).get_data(as_text=True)
    assert "pas encore gelées" in html and "Les quatre politiques" not in html
    answer = post(money, client, page, f"{page}/gel", {})
    assert answer.status_code == 400 and "aucun export" in answer.get_data(as_text=True)
    assert not ENGLISH.search(visible(answer.get_data(as_text=True)))


def test_the_four_policies_side_by_side_each_sum_to_the_pot(money: Kit) -> None:
    campaign = add_campaign(money)
    freeze(money, campaign)
    client = money.browser("auditor")  # the auditor reads
    html = client.get(f"/campagnes/{campaign}?plancher=1 000&plafond=4 000,00&alpha=0,25").get_data(
        as_text=True
    )
    assert html.count("<meter") == 12 and "Gelées le" in html
    total = re.search(r"Total à répartir</th>(.*?)</tr>", html, re.S)
    assert total and total[1].count(euros_fr(900000)) == 4  # 10 000 € less the 10 % fee, four times
    participants = Runs(money.cp.engine).contributions.required(campaign).participants
    bounded = policy_from_options("pro_rata_bounded", floor_cents="100000", cap_cents="400000")
    for cents in distribute(participants, 1000000, Fraction(1, 10), bounded).amounts.values():
        assert euros_fr(cents) in html
    assert "α = 0,25" in html and "≈ 0,83" in html and "1,33" in html  # contributions: 2 decimals, French
    assert "Répartir selon" not in html and "Enregistrer" not in html  # the auditor has no forms
    assert not ENGLISH.search(visible(html))
    wrong = client.get(f"/campagnes/{campaign}?alpha=beaucoup").get_data(as_text=True)
    assert 'id="e-alpha"' in wrong and "un nombre décimal" in wrong


def test_distribute_receive_reverse_through_the_page_book_in_the_ledger(money: Kit) -> None:
    campaign = add_campaign(money)
    freeze(money, campaign)
    client = money.browser("finance")
    page = f"/campagnes/{campaign}"
    answer = post(money, client, page, f"{page}/repartition", {"politique": "mutualist", "alpha": "0,5"})
    assert answer.status_code == 303
    runs = Runs(money.cp.engine)
    live = runs.live_distribution(campaign)
    assert live is not None and live.memo["policy"] == "mutualist" and live.booked_by == "Finance"
    again = post(money, client, page, f"{page}/repartition", {"politique": "pro_rata"})
    assert again.status_code == 409 and "déjà répartie" in again.get_data(as_text=True)
    got = post(money, client, page, f"{page}/encaissement", {"montant": "12 000,00", "reference": "VIR-1"})
    assert got.status_code == 303
    [receipt] = runs.ledger.batches(campaign_id=campaign, kind="receipt")
    assert sum(t.amount_cents for t in receipt.transfers) == 1200000
    bad = post(money, client, page, f"{page}/encaissement", {"montant": "12,345", "reference": "VIR-2"})
    assert bad.status_code == 400 and "Encaissement invalide" in bad.get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert "payée en totalité" in html and "Mutualiste" in html and "répartition" in html
    assert not ENGLISH.search(visible(html))
    assert post(money, client, page, f"{page}/annulation", {"motif": ""}).status_code == 400
    assert (
        post(money, client, page, f"{page}/annulation", {"motif": "erreur de politique"}).status_code == 303
    )
    assert runs.live_distribution(campaign) is None
    [reversal] = runs.ledger.batches(kind="reversal")
    assert reversal.reverses == live.id


def test_an_unapproved_campaign_is_not_distributed(money: Kit) -> None:
    campaign = add_campaign(money, approved=False)
    freeze(money, campaign)
    client = money.browser("finance")
    page = f"/campagnes/{campaign}"
    answer = post(money, client, page, f"{page}/repartition", {"politique": "pro_rata"})
    assert answer.status_code == 409 and "pas approuvée" in answer.get_data(as_text=True)


def distributed_and_paid(money: Kit) -> str:
    campaign = add_campaign(money)
    freeze(money, campaign)
    runs = Runs(money.cp.engine)
    runs.distribute(campaign, policy_from_options("pro_rata"), "Claire")
    runs.receive(campaign, 1200000, "VIR-1", "Claire")
    return campaign


def test_statements_the_root_and_the_period(money: Kit) -> None:
    campaign = distributed_and_paid(money)
    client = money.browser("auditor")
    answer = client.get(f"/campagnes/{campaign}/preuves/{CNC[2]}")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    run = Runs(money.cp.engine).replay(Runs(money.cp.engine).live_distribution(campaign))  # type: ignore[arg-type]
    assert json.loads(answer.get_data()) == run.statements()[CNC[2]]
    assert client.get(f"/campagnes/{campaign}/racine").get_data(as_text=True) == run.root + "\n"
    assert client.get(f"/campagnes/{campaign}/preuves/0000000").status_code == 404
    today = date.today()
    period = f"du={today - timedelta(days=1)}&au={today + timedelta(days=1)}"
    html = client.get(f"/releves?{period}").get_data(as_text=True)
    assert all(cnc in html for cnc in CNC) and not ENGLISH.search(visible(html))
    statement = client.get(f"/releves/{CNC[0]}?{period}")
    assert statement.status_code == 200 and statement.mimetype == "text/html"
    assert "L&#39;Été dernier" in statement.get_data(as_text=True) or "L'Été dernier" in statement.get_data(
        as_text=True
    )
    assert client.get(f"/releves/{CNC[0]}?{period}&format=csv").mimetype == "text/csv"
    assert client.get("/releves?du=2026-05-02&au=2026-05-01").status_code == 400


def test_the_payout_file_is_the_same_on_a_rerun(money: Kit) -> None:
    campaign = distributed_and_paid(money)
    client = money.browser("finance")
    html = client.get("/campagnes").get_data(as_text=True)
    assert euros_fr(900000) in html  # what is cleared, the whole pot
    day = str(date.today() + timedelta(days=3))
    first = post(money, client, "/campagnes", "/paiements", {"payout_id": "2026-q2", "execution_date": day})
    assert first.status_code == 200 and first.mimetype == "application/xml"
    assert first.headers["Content-Disposition"] == 'attachment; filename="virements-2026-q2.xml"'
    again = post(money, client, "/campagnes", "/paiements", {"payout_id": "2026-q2", "execution_date": day})
    assert again.get_data() == first.get_data()
    other = str(date.today() + timedelta(days=4))
    refused = post(
        money, client, "/campagnes", "/paiements", {"payout_id": "2026-q2", "execution_date": other}
    )
    assert refused.status_code == 409 and "autre date" in refused.get_data(as_text=True)
    assert Runs(money.cp.engine).cleared() == {}
    nothing = post(money, client, "/campagnes", "/paiements", {"payout_id": "2026-q3", "execution_date": day})
    assert nothing.status_code == 400 and "Rien n" in nothing.get_data(as_text=True)
    assert campaign


def test_without_the_scare_account_the_page_names_the_setting(kit: Kit) -> None:
    kit.account("finance", "finance")
    client = kit.browser("finance")
    html = client.get("/campagnes").get_data(as_text=True)
    assert "payouts.debtor_iban" in html and "disabled" in html
    answer = post(kit, client, "/campagnes", "/paiements", {"payout_id": "x", "execution_date": "2026-12-01"})
    assert answer.status_code == 409 and "payouts.debtor_name" in answer.get_data(as_text=True)


def test_only_finance_and_admin_act_the_auditor_reads(money: Kit) -> None:
    campaign = add_campaign(money)
    for login, status in (("ops", 403), ("cinema", 403), ("auditor", 200)):
        assert money.browser(login).get(f"/campagnes/{campaign}").status_code == status
    auditor = money.browser("auditor")
    page = f"/campagnes/{campaign}"
    assert post(money, auditor, page, f"{page}/gel", {}).status_code == 403


def test_french_amounts_and_numbers() -> None:
    assert money_fr.euros_to_cents("12 345,67") == 1234567
    assert money_fr.euros_to_cents("12\u202f345,6 €") == 1234560
    assert money_fr.euros_to_cents("100") == 10000
    for wrong in ("", "12,345", "-5", "1e3", "douze"):
        with pytest.raises(ValueError):
            money_fr.euros_to_cents(wrong)
    assert money_fr.decimal_text(money_fr.decimal_fr("1,1")) == "1.1"
    assert money_fr.decimal_text(Fraction(1, 8)) == "0.125"


def test_every_refusal_of_the_remuneration_library_has_its_french_words() -> None:
    import importlib
    import pkgutil

    codes = set()
    for info in pkgutil.iter_modules(remuneration.__path__):
        module = importlib.import_module(f"artaud.remuneration.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ArtaudError) and cls.__module__.startswith("artaud.remuneration"):
                codes.add(cls.code)
    missing = codes - set(money_fr.REFUSALS_FR) - {"invalid_campaign"}  # that one: per field
    assert not missing, missing
