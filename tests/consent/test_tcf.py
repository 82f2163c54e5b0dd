from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.consent.tcf import TCFError, decode

# Two real-shaped strings produced by @iabtechlabtcf/core (see tests/js/tcf_reference.mjs).
CORE_ONLY = "CQuIxQAQuIxQAEsADFENCWFgAG8AAELAAAqIAJB2vwAGAgAhwAIABgAA"
WITH_DISCLOSED = (
    "CQuIxQAQuIxQAHZAIFENCWFsAB8gAEFAAAqICIwBQAcACHAGiAQUAiIAAAAQoAgAC4AMQAbAA5AEiALYAXgAvgAA"
    ".ICWAgAUACBSwbiTFCEqACtOUxAYkIAHtnCUEERJRCIKQYhMJCDAo1QAA"
)


def test_known_strings():
    t = decode(CORE_ONLY)
    assert (t.version, t.cmp_id, t.publisher_country_code) == (2, 300, "FR")
    assert sorted(t.purpose_consents) == [2, 3, 5, 6, 7, 8]
    assert t.restriction(3, 6) == 2 and t.restriction(3, 7) is None
    d = decode(WITH_DISCLOSED)
    assert sorted(d.vendor_consents) == [56, 135, 209, 261, 273] and d.vendors_disclosed


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "!!!",
        "CQuIxQ",
        CORE_ONLY[:20],
        CORE_ONLY + ".",
        CORE_ONLY + ".AAAA",
        "B" + CORE_ONLY[1:],
        "x" * 30_000,
    ],
)
def test_malformed_strings_raise_tcf_error(bad):
    with pytest.raises(TCFError):
        decode(bad)


@settings(max_examples=500, deadline=None)
@given(
    st.binary(max_size=120).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="))
    | st.text(max_size=80)
)
def test_fuzz_only_tcf_errors(text):
    try:
        t = decode(text)
    except TCFError:
        return
    assert t.version == 2 and all(v >= 1 for v in t.vendor_consents)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(CORE_ONLY) - 1), st.sampled_from("AQgw_-8"))
def test_fuzz_mutations_of_a_valid_string(pos, ch):
    mutated = CORE_ONLY[:pos] + ch + CORE_ONLY[pos + 1 :]
    try:
        t = decode(mutated)
    except TCFError:
        return
    assert t.version == 2 and len(t.publisher_country_code) == 2
