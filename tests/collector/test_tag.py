"""The tag as served: built from its source, within its size budget, configured by the collector."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

from artaud.collector.tag import MODULES, module_scripts, tag_script
from artaud.consent.decision import Policy
from artaud.consent.tcf_policy import TcfPolicy

STATIC = Path(__file__).resolve().parents[2] / "collector" / "static"
JS = Path(__file__).resolve().parents[1] / "js"
BUDGET = 2048  # bytes gzipped (Plausible ~1.3 KB raw, Umami 2.2 KB gzipped, Matomo 22 KB)


def test_the_committed_tag_is_the_build_of_its_source():
    out = subprocess.run(
        ["node", "build_tag.mjs", "--check"], cwd=JS, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr + out.stdout


def test_the_served_tag_is_at_most_2_kb_gzipped():
    served = tag_script(Policy())
    size = len(gzip.compress(served, compresslevel=9))
    assert size <= BUDGET, f"the tag is {size} bytes gzipped, over the {BUDGET}-byte budget"
    assert len(served) < 4 * BUDGET


def test_the_collector_hands_the_tag_its_consent_settings():
    policy = Policy(
        honour_gpc=False, cmp_service="audience", tcf=TcfPolicy(pooled_purposes=(1, 4), scare_vendor_id=999)
    )
    served = tag_script(policy, wait_ms=800).decode()
    assert "ARTAUD_CFG" not in served
    cfg = re.search(r'\{"p":.*?"w":\d+\}', served)
    assert cfg is not None
    assert json.loads(cfg.group(0)) == {"p": [1, 4], "v": 999, "s": "audience", "g": 0, "d": 1, "w": 800}


def test_the_modules_are_served_configured_and_each_is_a_build_of_its_source():
    policy = Policy(tcf=TcfPolicy(pooled_purposes=(1, 3), scare_vendor_id=42))
    served = module_scripts(policy, wait_ms=900)
    assert (
        set(served)
        == set(MODULES)
        == {p.name.removesuffix(".src.js") for p in (STATIC / "m").glob("*.src.js")}
    )
    for name, script in served.items():
        assert b"ARTAUD_CFG" not in script, name
        assert script.startswith(b"!function") or script.startswith(b"(function"), name
    # the TCF reader decides with the same purposes and vendor as the tag
    assert b'"p":[1,3],"v":42' in served["tcf"]
    # what only some pages need stays out of the tag's budget
    for needle in (b'__tcfapi("addEventListener', b"@graph", b"/c/s?b=", b"/c/check"):
        assert needle not in tag_script(policy)


def test_the_sources_stay_es5_and_the_tag_never_stores_before_consent():
    for path in [STATIC / "tag.src.js", *sorted((STATIC / "m").glob("*.src.js"))]:
        src = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(), flags=re.S)
        for modern in ("=>", "let ", "const ", "`", "class ", "async ", "await ", "?.", "??", ".catch("):
            assert modern not in src, f"{modern!r} is not ES5 ({path.name})"
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", (STATIC / "tag.src.js").read_text(), flags=re.S)
    # the only write to storage is in vid(), reached only when the consent covers the pooled audience
    # and no objection stands; an unknown consent neither creates nor removes the id
    assert code.count("setItem(") == 1 and code.count("T(vid)(") == 1
    assert "return T(vid)(c[2] && !gpc && !dnt);" in code and "if (on === false && v)" in code
