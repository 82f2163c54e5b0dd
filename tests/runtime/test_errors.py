"""One base error (runtime/errors.py): every exception class the product defines is either an
ArtaudError, with its own code and status, or an internal signal listed here with why it never
reaches a person."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import artaud
from artaud.cli import main
from artaud.errors import ArtaudError

# caught inside the module that raises it, never shown to a person as such
INTERNAL = {
    "artaud.collector.sink.SinkFull": "the collector answers 503 spool_full",
    "artaud.collector.rsgi._TooLarge": "the adapter answers 413",
    "artaud.collector.hit.HitError": "a drop reason, answered by its status",
    "artaud.spool.frames.Corrupt": "a damaged record, quarantined and counted",
    "artaud.transport.schema.PoisonMessage": "a Kafka message sent to the dead-letter topic",
    "artaud.lifeline.Busy": "another service holds the data directory: StartupError says so",
    "artaud.ingest.source.BrokerError": "the ingester retries or rejoins; its state store is the truth",
    "artaud.ingest.memory_broker.MemberGone": "the in-memory broker's misuse by a test",
    "artaud.admin.accounts.Refused": "a refused sign-in: the login page answers 401 with one message for all",
}


def product_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(artaud.__path__, "artaud."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == info.name
                and not name.startswith("__")
            ):
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_product_exception_is_an_artaud_error_or_a_listed_internal_signal() -> None:
    found = product_exceptions()
    assert len(found) >= 15
    stray = sorted(
        name for name, cls in found.items() if not issubclass(cls, ArtaudError) and name not in INTERNAL
    )
    assert not stray, f"derive from artaud.errors.ArtaudError, or list with a reason: {stray}"
    assert set(INTERNAL) <= set(found), "an internal signal listed here no longer exists"


def test_each_reported_error_has_its_own_code_and_a_status() -> None:
    reported = {name: cls for name, cls in product_exceptions().items() if issubclass(cls, ArtaudError)}
    codes: dict[str, str] = {}
    for name, cls in reported.items():
        if cls.__module__ == "artaud.errors":
            continue
        assert cls.code not in {
            "error",
            "invalid_input",
            "invalid_fields",
            "not_found",
            "conflict",
            "unavailable",
        }, name
        assert cls.code not in codes, f"{name} and {codes.get(cls.code)} share {cls.code}"
        codes[cls.code] = name
        assert 400 <= cls.status <= 599, name
        assert not cls.__name__.endswith("_"), name


def test_a_raise_may_refine_code_and_status() -> None:
    exc = ArtaudError("no such export", code="unknown_export", status=404)
    assert (exc.code, exc.status, exc.message, str(exc)) == (
        "unknown_export",
        404,
        "no such export",
        "no such export",
    )
    assert exc.as_dict() == {"code": "unknown_export", "message": "no such export"}
    assert ArtaudError("x").code == "error"  # the refinement did not leak into the class


def test_the_cli_prints_any_reported_error_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from artaud.config.keyring import KeyringError

    def failing(_: object) -> int:
        raise KeyringError("key pooled v1 was destroyed")

    monkeypatch.setattr("artaud.cli.cmd_migrate", failing)
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err == "error: key pooled v1 was destroyed\n"
