"""« Segments » (admin/segment_pages.py): the definitions and the guards in French, each refusal the
guards can record explained in French with a cinema's CNC number (never its internal id), the sizes
over 90 days as a chart, « Construire maintenant » in the background with its progress, one build at
a time, the audit log, and the JSON API `artaud segments build/list` uses through the service."""

from __future__ import annotations

import ast
import json
import re
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from artaud.admin import segment_fr as fr
from artaud.admin.segment_runs import BuildRunner
from artaud.segments.builder import BUILD_COLUMNS, BuildReport, Progress
from artaud.segments.definitions import InvalidSegments, load_segments
from artaud.segments.guards import GuardPolicy, SegmentStats, additions, overlap, refusals
from tests.admin.helpers import Kit

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = re.compile(r"\b(members?|fewer|cinema\(s\)|contributes|below_k|dominated|too_few_cinemas|stale)\b")


def emitted_codes() -> set[str]:
    """Every refusal code a build can record: the Refusal(...) codes of segments/guards.py and the
    release codes the builder appends ("below_threshold: …", "; stale: …")."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / "segments/guards.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Refusal":
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), ast.dump(node)
            found.add(first.value)
    builder = (ROOT / "segments/builder.py").read_text()
    found |= set(re.findall(r'f?"(?:; )?([a-z][a-z_]+): [a-z]', builder))
    return found


def test_every_refusal_code_the_guards_can_emit_has_its_french_sentence() -> None:
    codes = emitted_codes()
    assert {"below_k", "too_few_cinemas", "dominated", "differencing", "overlap"} <= codes
    assert {"below_threshold", "stale"} <= codes
    missing = codes - set(fr.REFUSALS)
    assert not missing, f"refusal codes without a French sentence: {missing}"
    for sentence in fr.REFUSALS.values():
        assert not ENGLISH.search(sentence)


def test_each_refusal_with_its_figures_in_french_and_the_cinema_by_its_cnc_number() -> None:
    policy = GuardPolicy(k=100, min_cinemas=3, max_cinema_share=0.5)
    name = fr.cinema_namer([(41, "9990001", "Le Méliès"), (42, "9990002", "Le Zola")])
    small = refusals(SegmentStats("x", 12, {41: 10.0, 42: 2.0}), policy)
    thin = refusals(SegmentStats("y", 500, {41: 250.0, 42: 240.0, 43: 10.0}), policy)
    recorded = "; ".join(
        [str(r) for r in small + thin]
        + [
            str(additions(5, True, policy)),
            str(overlap(300, 300, 7, policy)),
            "below_threshold: the noisy size must reach 115",
            "stale: privacy budget spent",
        ]
    )
    assert set(fr.codes(recorded)) == {
        "below_k",
        "too_few_cinemas",
        "dominated",
        "differencing",
        "overlap",
        "below_threshold",
        "stale",
    }
    said = fr.explain(recorded, name)
    text = " ".join(said)
    assert "Trop peu de membres : 12, moins que le minimum k = 100." in said
    assert (
        "Un cinéma domine : Le Méliès (CNC 9990001) apporte 83 % du segment, plus que le maximum de 50 %."
        in said
    )
    assert "le segment vient de 2 cinéma(s), moins que le minimum de 3" in text
    assert "hors ses 2 plus gros cinémas, les autres ne font que 2 % du segment, moins que 10 %" in text
    assert "5, moins que k = 100" in text and "7 membre(s) dans les deux listes" in text
    assert "seuil de publication de 115" in text and "Budget de confidentialité épuisé" in text
    assert not ENGLISH.search(text) and "41" not in text
    # a cinema no longer in the registry is still not named by its id; an unknown code has its sentence
    assert fr.explain("dominated: cinema 77 contributes 90% of the segment, more than 50%", name) == [
        "Un cinéma domine : un cinéma qui n'est plus au registre apporte 90 % du segment, plus que le maximum de 50 %."
    ]
    assert fr.explain("; stale: privacy budget spent", name) == [fr.REFUSALS["stale"]]
    assert fr.explain("something_new: 3 things", name) == [fr.UNKNOWN]


def test_rules_and_guards_in_french() -> None:
    by_id = {s.id: s for s in load_segments()}
    habitues = " ".join(fr.rules_fr(by_id["habitues"]))
    assert "Au moins 3 visites" in habitues and "au moins 2 cinémas" in habitues
    assert "les 90 derniers jours" in habitues
    assert "un achat de places" in " ".join(fr.rules_fr(by_id["acheteurs"]))
    assert "Jeune Public" in " ".join(fr.rules_fr(by_id["jeune-public"]))
    assert "Un segment par film" in " ".join(fr.rules_fr(by_id["film"]))
    for seg in by_id.values():
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", " ".join(fr.rules_fr(seg))), seg.id
    sentence = fr.guards_fr(GuardPolicy(k=100, min_cinemas=3, max_cinema_share=0.5, epsilon=0.5))
    assert "k = 100" in sentence and "3 cinémas" in sentence and "50 %" in sentence and "ε = 0,5" in sentence


def record_build(kit: Kit, at: datetime, rows: list[tuple[str, int, bool, int, str]]) -> None:
    """A build in `segment_builds`: (key, members, published, size, refusal) per segment key."""
    build_id = "b" + at.strftime("%Y%m%d%H%M%S%f")
    kit.wh.insert_rows(
        "segment_builds",
        BUILD_COLUMNS,
        [
            (build_id, at.replace(tzinfo=None), key.split("/")[0], 1, "h", key, m, 3, 0.4, int(p), s, why)
            for key, m, p, s, why in rows
        ],
    )


def test_the_page_explains_the_latest_build_in_french_with_cnc_numbers(kit: Kit) -> None:
    meliès = kit.cp.cinema_by_cnc("9990001")
    assert meliès is not None and meliès.id is not None
    dominated = refusals(
        SegmentStats("acheteurs", 300, {meliès.id: 280.0, 999: 20.0}),
        GuardPolicy(k=100, min_cinemas=1, max_cinema_share=0.5),
    )
    now = datetime.now(UTC)
    record_build(
        kit,
        now - timedelta(minutes=5),
        [
            ("acheteurs", 300, False, 0, "; ".join(str(r) for r in dominated)),
            ("art-et-essai", 4000, True, 4012, ""),
            ("habitues", 12, False, 0, "below_k: 12 members, fewer than k = 100"),
        ],
    )
    html = kit.browser("ops").get("/segments").get_data(as_text=True)
    assert "Un cinéma domine : Le Méliès (CNC 9990001) apporte 93 % du segment" in html
    assert "Trop peu de membres : 12, moins que le minimum k = 100." in html
    assert f"cinema {meliès.id}" not in html and not ENGLISH.search(html)
    assert "Public Art et Essai" in html and "4\u202f012" in html
    # the definitions and the guards, in French
    assert "Cinémas labellisés Recherche et Découverte" in html and "version 1" in html
    assert "k = 2" in html and "ε = 1" in html


def test_sizes_over_time_as_a_chart(kit: Kit) -> None:
    now = datetime.now(UTC)
    for days_ago, size in ((40, 900), (3, 950), (1, 1000)):
        record_build(kit, now - timedelta(days=days_ago), [("art-et-essai", size, True, size, "")])
        record_build(kit, now - timedelta(days=days_ago), [("film/le-film", size, True, size // 2, "")])
    record_build(kit, now - timedelta(days=200), [("art-et-essai", 1, True, 700, "")])  # too old
    html = kit.browser("ops").get("/segments").get_data(as_text=True)
    assert 'id="tailles"' in html and 'id="tailles-film"' in html
    data = json.loads(
        re.search(r'id="tailles">.*?<script type="application/json">(.*?)</script>', html, re.S)[1]
    )  # type: ignore[index]
    assert len(data["x"]) == 90
    [series] = data["series"]
    assert series["label"] == "Public Art et Essai"
    assert [v for v in series["values"] if v is not None] == [900, 950, 1000]


def test_size_charts_keep_the_days_last_build_and_the_largest_split_keys() -> None:
    first = date(2026, 11, 1)
    rows = [(first, "art-et-essai", 10), (first + timedelta(days=2), "art-et-essai", 12)] + [
        (first, f"film/f{i}", 100 + i) for i in range(10)
    ]
    charts = fr.size_charts(
        rows, {"art-et-essai": "Public Art et Essai", "film": "Intérêt pour un film"}, first, 5
    )
    whole, films = charts
    assert whole.series[0]["values"] == [10, None, 12, None, None]
    assert len(films.series) == fr.MAX_SERIES and {s["label"] for s in films.series} == {
        f"f{i}" for i in range(4, 10)
    }


class SlowBuilder:
    """A builder that reports progress, then waits for the test to let it finish (or fail)."""

    def __init__(self, real: Any, fail: Exception | None = None) -> None:
        self.real, self.fail = real, fail
        self.started, self.go = threading.Event(), threading.Event()

    def build(self, only: Sequence[str] = (), progress: Progress | None = None) -> BuildReport:
        assert progress is not None
        progress(0, 4, "pooled visitors, grouped once")
        progress(2, 4, "segments art-et-essai, habitues")
        self.started.set()
        assert self.go.wait(30)
        if self.fail is not None:
            raise self.fail
        return self.real.build(only=only, progress=progress)  # type: ignore[no-any-return]


def runner_of(kit: Kit) -> BuildRunner:
    runner = kit.app.extensions["artaud.segment_builds"]
    assert isinstance(runner, BuildRunner)
    return runner


def test_build_now_in_the_background_with_its_progress_one_at_a_time(kit: Kit) -> None:
    runner = runner_of(kit)
    slow = SlowBuilder(runner.builder)
    runner.builder = slow  # type: ignore[assignment]
    ops = kit.browser("ops")
    started = ops.post("/segments/build", data=kit.form(ops, "/segments"))
    assert started.status_code == 303 and started.headers["Location"] == "/segments#construction"
    assert slow.started.wait(10)
    progress = ops.get("/segments/progression").get_json()
    assert progress["state"] == "running" and progress["done"] == 2 and progress["total"] == 4
    assert progress["percent"] == 50 and progress["step"] == "Segments art-et-essai, habitues"
    assert progress["by"] == "ops"
    html = ops.get("/segments").get_data(as_text=True)
    assert '<progress id="build-progress" value="2" max="4">' in html and "/static/segments.js" in html
    # a second build while it runs: refused, in French, on the page; 409 on the API
    again = ops.post("/segments/build", data=kit.form(ops, "/segments"))
    assert again.status_code == 303 and "deja=1" in again.headers["Location"]
    assert "déjà en cours" in ops.get(again.headers["Location"]).get_data(as_text=True)
    api = kit.app.test_client().post("/api/v1/segments/build", json={"only": []}, headers=kit.token("ops"))
    assert api.status_code == 409 and api.get_json()["code"] == "segment_build_running"
    assert "déjà en cours" in api.get_json()["error"]
    slow.go.set()
    runner.wait(60)
    done = ops.get("/segments/progression").get_json()
    assert done["state"] == "done" and done["percent"] == 100 and done["finished_at"]
    assert done["message"].startswith("Construction terminée :") and done["build_id"]
    assert "Construction terminée" in ops.get("/segments").get_data(as_text=True)
    # the audit log says who started it and who was refused
    said = [(e.action, e.object) for e in kit.console.audit.entries(actor="ops")]
    assert (
        "POST /segments/build",
        json.dumps({"construction": "lancée", "segments": "tous"}, ensure_ascii=False, sort_keys=True),
    ) in said
    assert any(a == "POST /segments/build" and "refusée" in o for a, o in said)
    assert any(a == "POST /api/v1/segments/build" for a, _ in said)


def test_a_failed_build_says_so_in_french(kit: Kit) -> None:
    runner = runner_of(kit)
    slow = SlowBuilder(
        runner.builder, fail=InvalidSegments(["habitues: its rule changed since version 1 was built"])
    )
    slow.go.set()
    runner.builder = slow  # type: ignore[assignment]
    ops = kit.browser("ops")
    assert ops.post("/segments/build", data=kit.form(ops, "/segments")).status_code == 303
    runner.wait(30)
    state = ops.get("/segments/progression").get_json()
    assert state["state"] == "failed" and state["message"].startswith("La construction a échoué")
    html = ops.get("/segments").get_data(as_text=True)
    assert "La construction a échoué" in html and "its rule changed" not in html
    # the lock is free again
    slow.fail, slow.go = None, threading.Event()
    slow.go.set()
    assert (
        ops.post("/segments/build", data=kit.form(ops, "/segments")).headers["Location"]
        == "/segments#construction"
    )
    runner.wait(60)
    assert runner.state.state == "done"


def test_the_api_builds_and_answers_the_report_as_the_command_line_reads_it(kit: Kit) -> None:
    client, token = kit.app.test_client(), kit.token("ops")
    built = client.post("/api/v1/segments/build", json={"only": ["art-et-essai"]}, headers=token)
    assert built.status_code == 200
    doc = built.get_json()
    assert doc["build_id"].startswith("b") and datetime.fromisoformat(doc["built_at"])
    [seg] = doc["segments"]
    assert seg["key"] == "art-et-essai" and {"members", "published", "published_size", "refusal"} <= set(seg)
    listed = client.get("/api/v1/segments", headers=token).get_json()
    assert [e["key"] for e in listed] == ["art-et-essai"] and listed[0]["build_id"] == doc["build_id"]
    assert runner_of(kit).state.state == "done"  # the API's build shows on the page's progress too
    unknown = client.post("/api/v1/segments/build", json={"only": ["nope"]}, headers=token)
    assert unknown.status_code == 400 and "nope" in unknown.get_json()["error"]
    bad = client.post("/api/v1/segments/build", json={"only": "art-et-essai"}, headers=token)
    assert bad.status_code == 400


@pytest.mark.parametrize("who", ["auditor", "finance"])
def test_readers_see_the_page_without_the_button(kit: Kit, who: str) -> None:
    kit.account(who, who)
    html = kit.browser(who).get("/segments").get_data(as_text=True)
    assert "Définitions" in html and "Construire maintenant" not in html
