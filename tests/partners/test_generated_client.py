"""The partners' API as an agency's toolchain meets it: the OpenAPI document validates, a client is
generated from it with openapi-python-client, and a full pull (list, export, page, verify, delta,
deletions, ID sync, a typed refusal) runs over real HTTP through the generated client's typed calls
and models only: no raw response, no header parsing, no prose."""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from artaud.httpd import serve
from artaud.partners.manifest import verify
from artaud.partners.openapi import openapi
from tests.partners.conftest import World, add_consenting, later


def test_the_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate

    validate(openapi())  # raises on any fault


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The client package `artaud_partners_client`, generated as an agency would."""
    root = tmp_path_factory.mktemp("generated")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(openapi()))
    bindir = Path(sys.executable).parent
    config = root / "config.yml"
    config.write_text(
        "project_name_override: artaud-partners-client\npackage_name_override: artaud_partners_client\n"
    )
    done = subprocess.run(
        [
            *(
                str(bindir / "openapi-python-client"),
                "generate",
                "--path",
                str(spec),
                "--config",
                str(config),
            ),
            *("--output-path", str(root / "artaud_partners_client"), "--meta", "none"),
        ],
        cwd=root,
        env={**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr  # every part understood
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("artaud_partners_client")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith("artaud_partners_client")]:
            del sys.modules[name]


@pytest.fixture
def served(world: World) -> Iterator[str]:
    server = serve("127.0.0.1", 0, world.client.application, "partners-under-test")
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _module(pkg: Any, name: str) -> Any:
    return importlib.import_module(f"{pkg.__name__}.{name}")


def test_a_full_pull_through_the_generated_client_only(world: World, served: str, generated: Any) -> None:
    api = {
        name: _module(generated, f"api.default.{name}")
        for name in (
            "segments",
            "create_export",
            "get_export",
            "export_members",
            "export_added",
            "export_removed",
            "deletions",
            "signing_key",
            "get_sync",
            "put_sync",
        )
    }
    models = _module(generated, "models")
    client = generated.AuthenticatedClient(base_url=served, token=world.keys["acme"])

    # the segments this key may export, typed, with an offset on every time
    listed = api["segments"].sync(client=client)
    assert isinstance(listed, list) and listed and all(isinstance(s, models.Segment) for s in listed)
    by_key = {s.segment: s for s in listed}
    assert isinstance(by_key["art-et-essai"].built_at, datetime) and by_key["art-et-essai"].built_at.tzinfo
    region = by_key["idf/FR-IDF"] if "idf/FR-IDF" in by_key else by_key["idf"]
    assert region.taxonomy_id == region.segment

    # a first export: its manifest's previous export is null, and the typed model takes it
    signed = api["create_export"].sync(client=client, body=models.ExportRequest(segment="art-et-essai"))
    assert isinstance(signed, models.SignedExport), signed
    first = signed.export
    assert first.previous_export_id is None and isinstance(first.created_at, datetime)

    def pull(call: Any, export_id: str) -> list[str]:
        out: list[str] = []
        cursor: Any = generated.types.UNSET
        while True:
            page = call.sync(export_id, client=client, limit=37, cursor=cursor)
            assert isinstance(page, models.Page), page
            out += [row.pseudonym for row in page.items]
            if page.next_cursor is None:
                return out
            cursor = page.next_cursor

    members = pull(api["export_members"], first.export_id)
    assert len(members) == first.members == len(set(members)) and members == sorted(members)

    # verify: the signature over the typed manifest, the hash over the pages
    key = api["signing_key"].sync(client=client)
    public = load_pem_public_key(key.public_key_pem.encode())
    assert verify(first.to_dict(), signed.signature, public)  # type: ignore[arg-type]
    assert base64.b64decode(key.public_key) and key.algorithm.value == "Ed25519"
    assert hashlib.sha256("".join(p + "\n" for p in members).encode()).hexdigest() == first.members_sha256

    # the rate-limit fields and gzip, as the typed call's response carries them
    detailed = api["export_members"].sync_detailed(first.export_id, client=client, limit=5)
    assert detailed.headers["content-encoding"] == "gzip"  # httpx asks for it and decodes it
    assert detailed.headers["ratelimit-policy"].startswith('"default";q=')
    assert detailed.headers["ratelimit"].startswith('"default";r=')

    # a delta: 60 withdraw, 60 newcomers consent (k = 50), the next day's build
    gone = sorted(v for v in world_members(world) if v.startswith("p1.v"))[:60]
    world.withdraw(gone)
    later(world, 1)
    add_consenting(world, [f"p1.new{i:03d}" for i in range(60)])
    again = api["create_export"].sync(client=client, body=models.ExportRequest(segment="art-et-essai"))
    assert isinstance(again, models.SignedExport), again
    second = again.export
    assert second.previous_export_id == first.export_id and (second.added, second.removed) == (60, 60)
    added = pull(api["export_added"], second.export_id)
    removed = pull(api["export_removed"], second.export_id)
    assert len(added) == len(removed) == 60 and set(removed) <= set(members) and not set(added) & set(members)
    assert verify(second.to_dict(), again.signature, public)  # type: ignore[arg-type]
    fetched = api["get_export"].sync(second.export_id, client=client)
    assert isinstance(fetched, models.SignedExport) and fetched.export.to_dict() == second.to_dict()

    # deletions, typed
    page = api["deletions"].sync(client=client)
    assert isinstance(page, models.Page) and {r.pseudonym for r in page.items} == set(removed)

    # a refusal, typed: an enum per status
    refused = api["create_export"].sync(client=client, body=models.ExportRequest(segment="nope"))
    assert isinstance(refused, models.Error404) and refused.error == models.Error404Error.UNKNOWN_SEGMENT

    # the ID sync, registered and read back
    state = api["put_sync"].sync(
        client=client, body=models.SyncRequest(url="https://sync.example/u?id={xid}")
    )
    assert isinstance(state, models.SyncState) and state.active and isinstance(state.registered_at, datetime)
    assert api["get_sync"].sync(client=client).url == "https://sync.example/u?id={xid}"
    bad = api["put_sync"].sync(client=client, body=models.SyncRequest(url="http://tracker.com/{xid}"))
    assert isinstance(bad, models.Error400) and bad.error == models.Error400Error.BAD_SYNC_URL


def world_members(world: World) -> list[str]:
    """Pooled visitors consenting to acme (the ground truth, read as the SCARE)."""
    rows = world.wh.query(
        f"SELECT DISTINCT visitor FROM {world.wh.database}.segment_visitors "
        "WHERE has(splitByChar(',', purposes), 'partner:acme')"
    )
    return [str(r[0]) for r in rows]


def test_the_documented_pull_and_verification_run_as_written(
    world: World, served: str, generated: Any
) -> None:
    """docs/partners.md's two blocks, run as an agency would paste them."""
    from tests.doc_blocks import blocks

    doc = blocks("partners.md")
    scope: dict[str, Any] = {"BASE_URL": served, "TOKEN": world.keys["acme"]}
    exec(compile(doc["pull"], "docs/partners.md#pull", "exec"), scope)
    assert len(scope["members"]) == scope["manifest"]["members"] > 0
    exec(compile(doc["verify"], "docs/partners.md#verify", "exec"), scope)  # raises if it does not verify
    scope["members"] = scope["members"][1:]
    with pytest.raises(AssertionError):
        exec(compile(doc["verify"], "docs/partners.md#verify", "exec"), scope)
