"""The tag as the collector serves it (IO-free but for reading the built scripts once): the minified
build of `static/tag.src.js` and of the modules it loads on demand (`static/m/`), each with the
settings the browser needs in place of ARTAUD_CFG."""

from __future__ import annotations

import json
from importlib import resources

from artaud.consent.decision import Policy

# what the tag loads on demand (`collector/static/m/<name>.src.js`): the IAB TCF reader, the JSON-LD
# film reader, a ticketing iframe's side of the bridge, the partner ID sync, the installation check
MODULES = ("tcf", "ld", "bridge", "sync", "check")
DEFAULT_TAG_WAIT_MS = 1500


def _configured(script: bytes, cfg: bytes) -> bytes:
    return script.replace(b"ARTAUD_CFG", cfg) if b"ARTAUD_CFG" in script else script


def _cfg(policy: Policy, wait_ms: int) -> bytes:
    cfg = {
        "p": list(policy.tcf.pooled_purposes),
        "v": policy.tcf.scare_vendor_id,
        "s": policy.cmp_service,
        "g": int(policy.honour_gpc),
        "d": int(policy.honour_dnt),
        "w": wait_ms,
    }
    return json.dumps(cfg, separators=(",", ":")).encode()


def tag_script(policy: Policy, wait_ms: int = DEFAULT_TAG_WAIT_MS) -> bytes:
    """The tag as served: the minified build with the settings it needs to decide, in the browser,
    whether it may store an identifier (the collector decides the track again), and how long a page
    load's hits may wait for the consent tool's answer."""
    tag = resources.files("artaud.collector").joinpath("static/tag.js").read_bytes()
    assert tag.count(b"ARTAUD_CFG") == 1, "tag.js must name ARTAUD_CFG exactly once"
    return _configured(tag, _cfg(policy, wait_ms))


def module_scripts(policy: Policy, wait_ms: int = DEFAULT_TAG_WAIT_MS) -> dict[str, bytes]:
    """The tag's modules as served (`/c/m/<name>.js`), configured like the tag."""
    static = resources.files("artaud.collector").joinpath("static/m")
    cfg = _cfg(policy, wait_ms)
    return {name: _configured(static.joinpath(f"{name}.js").read_bytes(), cfg) for name in MODULES}


def rights_script(page_url: str) -> bytes:
    """`/c/r.js`, the script of the link to the page « Vos données d'audience » (docs/webmasters.md):
    loaded only on the page that carries the link (a cinema's privacy policy), never by the tag."""
    script = resources.files("artaud.collector").joinpath("static/rights.js").read_bytes()
    assert script.count(b"ARTAUD_RIGHTS_PAGE") == 1, "rights.js must name ARTAUD_RIGHTS_PAGE exactly once"
    return script.replace(b"ARTAUD_RIGHTS_PAGE", json.dumps(page_url + "/").encode())
