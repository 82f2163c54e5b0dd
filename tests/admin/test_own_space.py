"""« Espace cinéma »: its figures (IO-free), the page's numbers on a small warehouse, one cinema never
seeing another's events or statements, the statement download as booked."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from artaud.admin import own_figures as fig
from artaud.admin import own_space
from artaud.admin.own_stats import own_stats
from artaud.controlplane import schema
from artaud.remuneration.campaign_store import CampaignStore
from artaud.remuneration.campaigns import make_campaign
from artaud.remuneration.ledger import BANK, Transfer, payable
from artaud.remuneration.policies import ProRata
from artaud.remuneration.runs import Runs
from tests.admin.helpers import Kit
from tests.remuneration.world import campaign_fields
from tests.warehouse.helpers import records

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
BASE: dict[str, Any] = json.loads(records(1)[0])
EXEMPT = {"track": "exempt", "visitor": "d.x", "key_version": 0, "consent_purposes": "measure"}
IOS = {"device_class": "mobile", "browser_family": "Safari", "os_family": "iOS"}


def row(n: int, cinema: int, day: date, **fields: Any) -> dict[str, Any]:
    return {
        **BASE,
        **EXEMPT,
        "event_id": f"own-{cinema}-{n:04d}",
        "cinema_id": cinema,
        "event_date": day.isoformat(),
        "received_at": f"{day.isoformat()} 10:00:00",
        **fields,
    }


def ids(kit: Kit) -> dict[str, int]:
    return {c.cnc_id: c.id or 0 for c in kit.cp.cinemas()}


def populate(kit: Kit) -> None:
    """Besides the fixture's 3 pooled page views at 9990001 on 23/11 (desktop, Firefox, Linux, "/"):
    4 exempt page views and a funnel at 9990001, a robot, an old event, and the other cinema's views."""
    first, other = ids(kit)["9990001"], ids(kit)["9990002"]
    day = date(2026, 11, 29)
    rows = [
        row(1, first, day, url_path="/", **IOS),
        row(2, first, day, url_path="/films/perfect-days", **IOS),
        row(3, first, day, url_path="/films/perfect-days", device_class="tablet", os_family="iOS"),
        row(4, first, day, url_path="/horaires", browser_family="Chrome", os_family="Windows"),
        row(5, first, day, url_path="/robots", is_bot=1, device_class="bot"),
        row(6, first, date(2026, 10, 1), url_path="/ancien"),  # older than 30 days
    ]
    rows[2]["browser_family"] = "Safari"
    funnel = ["view_item"] * 4 + ["select_item"] * 2 + ["add_to_cart", "begin_checkout", "purchase"]
    for i, name in enumerate(funnel):
        title = "Anora" if i == 3 else "Perfect Days" if name == "view_item" else ""
        rows.append(row(10 + i, first, day, event_name=name, film_title=title, url_path="/films/x"))
    rows += [row(100 + i, other, day, url_path="/secret-zola", film_title="Zola") for i in range(5)]
    rows.append(row(200, other, day, event_name="view_item", film_title="Film du Zola"))
    kit.wh.insert_events(rows, "own")


@pytest.fixture
def space(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> Kit:
    monkeypatch.setattr(own_space, "today", lambda: TODAY)
    kit.account("cinema", "cinema", "9990001")
    kit.account("other-cinema", "cinema", "9990002")
    return kit


# -- the figures, IO-free ------------------------------------------------------------------------


def test_the_funnel_is_a_share_of_its_first_step_and_none_without_one() -> None:
    steps = fig.funnel({"view_item": 8, "select_item": 4, "purchase": 1, "page_view": 99})
    assert [(s.count, s.of_first) for s in steps] == [(8, 100.0), (4, 50.0), (0, 0.0), (0, 0.0), (1, 12.5)]
    assert steps[0].label == "Fiche d'un film vue"
    assert [(s.count, s.of_first) for s in fig.funnel({})] == [(0, None)] * 5
    assert [s.of_first for s in fig.funnel({"purchase": 2})] == [None] * 5
    assert fig.share(1, 3) == 33.3 and fig.share(5, 0) is None


def test_ranked_counts_are_in_french_summed_and_cut_at_ten() -> None:
    rows = [("desktop", 3), ("mobile", 5), ("Other", 1), ("", 1), ("tablet", 0)]
    assert fig.ranked(rows, fig.DEVICES_FR) == [("mobile", 5), ("ordinateur", 3), ("autre", 2)]
    assert len(fig.ranked((f"/p{i}", i + 1) for i in range(15))) == fig.TOP


def test_statements_and_payouts_are_the_cinemas_own_lines() -> None:
    campaign = make_campaign(**campaign_fields())
    booked = datetime(2026, 5, 2, tzinfo=UTC)
    got = fig.statements("9990001", [(campaign, {"9990001": 123456, "9990002": 5}, booked)])
    assert [(s.campaign_id, s.amount) for s in got] == [("2026-04-ete", "1 234,56 €")]
    assert fig.statements("9990003", [(campaign, {"9990001": 1}, booked)]) == []
    transfers = (Transfer(payable("9990001"), BANK, 700), Transfer(payable("9990002"), BANK, 300))
    paid = fig.payouts("9990001", [("payout:2026-06", booked, transfers), ("payout:x", booked, ())])
    assert [(p.reference, p.amount) for p in paid] == [("2026-06", "7,00 €")]


# -- over the warehouse --------------------------------------------------------------------------


def test_the_figures_count_only_the_cinemas_own_human_events_over_30_days(space: Kit) -> None:
    populate(space)
    stats = own_stats(space.wh, ids(space)["9990001"], TODAY)
    assert len(stats.days) == 30 and stats.days[-1].day == TODAY
    assert sum(d.visits for d in stats.days) == 7
    by_day = {d.day: d for d in stats.days}
    assert by_day[date(2026, 11, 23)] == fig.OwnDay(date(2026, 11, 23), 3, 3, 1)
    assert by_day[date(2026, 11, 29)] == fig.OwnDay(date(2026, 11, 29), 4, 0, 0)
    assert stats.pages == [("/", 4), ("/films/perfect-days", 2), ("/horaires", 1)]
    assert stats.films == [("Perfect Days", 3), ("Anora", 1)]
    assert [s.count for s in fig.funnel(stats.steps)] == [4, 2, 1, 1, 1]
    devices = fig.ranked(((a[0], a[3]) for a in stats.agents), fig.DEVICES_FR)
    assert devices == [("ordinateur", 4), ("mobile", 2), ("tablette", 1)]
    assert fig.ranked((a[1], a[3]) for a in stats.agents) == [("Firefox", 3), ("Safari", 3), ("Chrome", 1)]


def test_the_page_shows_the_figures_in_french(space: Kit) -> None:
    populate(space)
    answer = space.browser("cinema").get("/cinemas/9990001/statistiques")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "statistiques anonymes de votre propre site" in html
    assert "42,9 %" in html  # consent: 3 pooled visits of 7
    assert "/films/perfect-days" in html and "Perfect Days" in html and "25 %" in html and "50 %" in html
    assert "ordinateur" in html and "tablette" in html and 'class="chart"' in html
    for leak in ("/secret-zola", "Film du Zola", "/robots", "/ancien", "page_view", "desktop", "pooled"):
        assert leak not in html, leak
    assert "Aucune campagne répartie" in html and "Aucun versement" in html
    home = space.browser("cinema").get("/cinemas/9990001").get_data(as_text=True)
    assert 'href="/cinemas/9990001/statistiques"' in home  # in the nav and on the cinema's page


def test_another_cinemas_user_gets_not_found(space: Kit) -> None:
    client = space.browser("other-cinema")
    assert client.get("/cinemas/9990001/statistiques").status_code == 404
    assert client.get("/cinemas/9990002/statistiques").status_code == 200


# -- statements ----------------------------------------------------------------------------------


def distribute(kit: Kit) -> Any:
    """A campaign shared between the two cinemas, paid by its distributor, 9990001 paid out."""
    from artaud.partners.store import PartnerStore

    PartnerStore(kit.cp.engine).add("agence-x", "Agence X")
    store = CampaignStore(kit.cp.engine)
    made = store.add(make_campaign(**campaign_fields()))
    store.approve(made.id, "Claire Martin", NOW - timedelta(days=40))
    with kit.cp.engine.begin() as conn:
        conn.execute(
            schema.campaign_freezes.insert().values(
                campaign_id=made.id, frozen_at=NOW, frozen_by="Claire", visitors=3, exports="ex_1"
            )
        )
        for cnc, share in (("9990001", Fraction(2)), ("9990002", Fraction(1))):
            conn.execute(
                schema.campaign_contributions.insert().values(
                    campaign_id=made.id, cinema_cnc=cnc, category="A", contribution=str(share), days=30
                )
            )
    runs = Runs(kit.cp.engine)
    run = runs.distribute(made.id, ProRata(), "Claire", NOW)
    runs.receive(made.id, 1_200_000, "VIR-1", "Claire", NOW)
    runs.book_payout("2026-06", {"9990001": 100_000}, {}, "Claire", NOW)
    return run


def test_a_cinema_downloads_its_own_statement_and_never_anothers(space: Kit) -> None:
    run = distribute(space)
    mine = run.statements()["9990001"]
    client = space.browser("cinema")
    page = client.get("/cinemas/9990001/statistiques").get_data(as_text=True)
    amount = fig.euros_fr(run.distribution.amounts["9990001"])
    assert "L&#39;Été dernier" in page and amount in page and "1 000,00 €" in page
    assert 'href="/cinemas/9990001/releves/2026-04-ete.json"' in page
    got = client.get("/cinemas/9990001/releves/2026-04-ete.json")
    assert got.status_code == 200 and got.mimetype == "application/json"
    assert "attachment" in got.headers["Content-Disposition"]
    assert got.get_json() == mine
    assert client.get("/cinemas/9990002/releves/2026-04-ete.json").status_code == 404
    assert client.get("/cinemas/9990001/releves/nope.json").status_code == 404
    other = space.browser("other-cinema")
    assert other.get("/cinemas/9990001/releves/2026-04-ete.json").status_code == 404
    theirs = other.get("/cinemas/9990002/releves/2026-04-ete.json").get_json()
    assert theirs == run.statements()["9990002"] and theirs != mine
    other_page = other.get("/cinemas/9990002/statistiques").get_data(as_text=True)
    assert "Aucun versement" in other_page and amount not in other_page
