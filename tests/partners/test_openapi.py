"""schemathesis against the partners' API's own OpenAPI document: no 5xx, no undocumented status,
no response that does not match its schema, for every operation, with a valid key and without."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from artaud.segments.guards import GuardPolicy
from tests.partners.conftest import CAMPAIGN, make_world


@pytest.fixture
def world_app(tmp_path):
    from artaud.warehouse.backend import ChdbWarehouse

    wh = ChdbWarehouse(tmp_path / "chdb", "artaud")
    world = make_world(wh, tmp_path, GuardPolicy(k=50, credible_days=1))
    exported = world.client.post("/v1/exports", json={"segment": "art-et-essai"}, headers=world.auth("acme"))
    assert exported.status_code == 201
    yield world, exported.get_json()["export"]["export_id"]
    wh.close()


def test_the_api_conforms_to_its_openapi_document(world_app):
    world, export_id = world_app
    app = world.client.application
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    ops = list(schema.get_all_operations())
    labels = sorted(r.ok().label for r in ops)
    assert "POST /v1/exports" in labels and len(labels) >= 7, labels
    for result in ops:
        op = result.ok()
        strategy = op.as_strategy()

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            if "export_id" in (case.path_parameters or {}) and case.path_parameters["export_id"].startswith(
                "e"
            ):
                case.path_parameters["export_id"] = export_id  # also reach the existing export
            if (
                "campaign_id" in (case.path_parameters or {})
                and case.path_parameters["campaign_id"][:1] in "0a"
            ):
                case.path_parameters["campaign_id"] = CAMPAIGN  # and acme's campaign
            for who in ("acme", "none"):
                # over WSGI nothing decompresses a gzip body as an HTTP client does: ask for none here
                # (tests/partners/test_generated_client.py reads gzip over real HTTP)
                case.headers = {**(case.headers or {}), **world.auth(who), "Accept-Encoding": "identity"}
                if who == "none":
                    case.headers.pop("Authorization", None)
                try:
                    case.call_and_validate(checks=checks)
                except AssertionError as exc:  # pragma: no cover - reported below
                    failures.append(f"{op.label} as {who}: {exc}")

        run()
    assert failures == []
