"""The agencies' campaign routes through the real partners' app (keys, audit, disclosure), with a
real export: an agency sees and feeds its own campaigns only, and never a cinema's figure."""

from __future__ import annotations

import json

import pytest

from artaud.partners import openapi
from artaud.remuneration import delivery
from artaud.segments.guards import GuardPolicy
from tests.partners.conftest import CAMPAIGN, TODAY, make_world


@pytest.fixture
def world(tmp_path):
    from artaud.warehouse.backend import ChdbWarehouse

    wh = ChdbWarehouse(tmp_path / "chdb", "artaud")
    w = make_world(wh, tmp_path, GuardPolicy(k=50, credible_days=1))
    yield w
    wh.close()


def test_an_agency_links_its_export_and_reports_its_figures(world) -> None:
    acme = world.auth("acme")
    made = world.client.post("/v1/exports", json={"segment": "art-et-essai"}, headers=acme)
    export_id = made.get_json()["export"]["export_id"]
    listed = world.client.get("/v1/campaigns", headers=acme).get_json()
    assert [c["id"] for c in listed] == [CAMPAIGN] and listed[0]["exports"] == []
    first = world.client.put(f"/v1/campaigns/{CAMPAIGN}/exports/{export_id}", headers=acme)
    again = world.client.put(f"/v1/campaigns/{CAMPAIGN}/exports/{export_id}", headers=acme)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["exports"] == [export_id]
    day = TODAY.isoformat()
    put = world.client.put(
        f"/v1/campaigns/{CAMPAIGN}/reports/{day}", json={"impressions": 900, "clicks": 7}, headers=acme
    )
    assert put.status_code == 200 and put.get_json()["impressions"] == 900
    got = world.client.get(f"/v1/campaigns/{CAMPAIGN}", headers=acme).get_json()
    assert got["delivered"] == {"impressions": 900, "clicks": 7, "days_reported": 1}
    # what an agency reads of a campaign: nothing about the cinemas or the money shared among them
    text = json.dumps(got)
    for word in ("cinema", "contribution", "amount", "payment", "fee", "pot", "cnc"):
        assert word not in text.lower(), word


def test_another_agency_cannot_see_or_feed_the_campaign(world) -> None:
    acme, other = world.auth("acme"), world.auth("other")
    made = world.client.post("/v1/exports", json={"segment": "art-et-essai"}, headers=other)
    assert made.status_code == 201, made.get_json()
    theirs = made.get_json()["export"]["export_id"]
    assert world.client.get("/v1/campaigns", headers=other).get_json() == []
    for method, path, body in (
        ("get", f"/v1/campaigns/{CAMPAIGN}", None),
        ("put", f"/v1/campaigns/{CAMPAIGN}/exports/{theirs}", None),
        ("put", f"/v1/campaigns/{CAMPAIGN}/reports/{TODAY}", {"impressions": 1, "clicks": 0}),
    ):
        answer = getattr(world.client, method)(path, json=body, headers=other)
        assert (answer.status_code, answer.get_json()["error"]) == (404, "unknown_campaign")
    # acme cannot claim other's export for its campaign either
    answer = world.client.put(f"/v1/campaigns/{CAMPAIGN}/exports/{theirs}", headers=acme)
    assert (answer.status_code, answer.get_json()["error"]) == (404, "unknown_export")


@pytest.mark.parametrize(
    ("day", "body", "hint"),
    [
        ("2001-01-01", {"impressions": 1, "clicks": 0}, "day: a day of the flight"),
        ("tomorrow", {"impressions": 1, "clicks": 0}, "day: a date"),
        ("{today}", {"impressions": 1, "clicks": 2}, "clicks: at most the impressions"),
        ("{today}", {"impressions": -1, "clicks": "3"}, "impressions: a whole number"),
    ],
)
def test_wrong_figures_are_refused_field_by_field(world, day, body, hint) -> None:
    path = f"/v1/campaigns/{CAMPAIGN}/reports/{day.format(today=TODAY)}"
    answer = world.client.put(path, json=body, headers=world.auth("acme"))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_report" and hint in answer.get_json()["message"]
    assert world.client.get(f"/v1/campaigns/{CAMPAIGN}/reports", headers=world.auth("acme")).get_json() == []


def test_the_documented_limit_is_the_stores() -> None:
    assert openapi.MAX_FIGURE == delivery.MAX_FIGURE
    paths = openapi.openapi()["paths"]
    assert {"/v1/campaigns", "/v1/campaigns/{campaign_id}/reports/{day}"} <= set(paths)
