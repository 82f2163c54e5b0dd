"""The guard for the whole class of leaks at the edge: recognisable raw values (e-mail addresses, IP
addresses, user agents, the visitor's own first-party id), raw or percent-encoded once or twice,
planted by hypothesis in every field of the pixel and the beacon and in every header, never reach
what the collector writes (the sink), its counters or its logs. The real service is scanned the same
way in tests/integration/test_canary.py."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from artaud.collector.sink import InMemorySink
from tests.conftest import SITE_KEY, make_app

HOST = "cinema-test.example"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0 CanaryUA/7"

emails = st.builds(
    lambda a, b: f"{a}.canary@{b}.example.org",
    st.from_regex(r"[a-z]{3,8}", fullmatch=True),
    st.from_regex(r"[a-z]{3,8}", fullmatch=True),
)
ipv4 = st.builds(lambda a, b: f"198.51.{a}.{b}", st.integers(0, 255), st.integers(1, 254))
ipv6 = st.builds(lambda a: f"2001:db8:ca:fe::{a:x}", st.integers(1, 0xFFFF))
visitor_ids = st.from_regex(r"[a-z0-9]{8,12}-[0-9]{6,10}-canaryid", fullmatch=True)


def encodings(value: str) -> list[str]:
    once = quote(value, safe="")
    return [value, once, quote(once, safe="")]


@st.composite
def planted(draw: Any) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """A beacon body and request headers with canaries planted, and the raw canaries."""
    ip = draw(ipv4 | ipv6)
    email = draw(emails)
    other_ip = draw(ipv4 | ipv6)
    # the visitor's first-party id is a canary of this request when it sends one (a token in a field
    # is otherwise only a token: nothing says whose it is)
    visitor = draw(st.none() | visitor_ids)
    canaries = [ip, email, other_ip, UA, *([visitor] if visitor else [])]
    pool = canaries

    def value() -> str:
        return draw(st.sampled_from(encodings(draw(st.sampled_from(pool)))))

    fields: dict[str, Any] = {
        "n": draw(st.sampled_from(["page_view", "view_item", "purchase", "select_item"]))
    }
    path_value = value()
    url = f"https://{HOST}/films/{path_value}?film={value()}&seance={value()}&email={value()}#{value()}"
    fields["u"] = url
    fields["i"] = "evt-" + draw(st.from_regex(r"[a-z0-9]{8,16}", fullmatch=True))
    for key in draw(
        st.sets(st.sampled_from(["r", "title", "dir", "film", "show", "start", "order", "items", "cur"]))
    ):
        if key == "r":
            fields["r"] = (
                f"https://{draw(st.sampled_from([other_ip, 'mail.example']))}/?to={value()}&q={value()}"
            )
        elif key == "items":
            fields["items"] = [
                {
                    "item_id": value(),
                    "item_name": value(),
                    "show_id": value(),
                    "show_start": value(),
                    "quantity": 1,
                }
            ]
            fields["transaction_id"] = value()
        else:
            fields[key] = value()
    body = {"k": SITE_KEY, "e": [fields]}
    if visitor:
        body.update(v=visitor, cs="tag", c="measure,pool")
    headers = {
        "Origin": f"https://{HOST}",
        "User-Agent": UA,
        "X-Forwarded-For": ip,
        "Content-Type": "text/plain",
    }
    if draw(st.booleans()):
        headers["Referer"] = f"https://{HOST}/page/{value()}"
    return body, headers, canaries


def leaks(text: str, canaries: list[str]) -> list[str]:
    low = text.lower()
    return [form for c in canaries for form in encodings(c) if form.lower() in low]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(planted())
def test_no_planted_value_reaches_the_sink_the_counters_or_the_logs(tmp_path_factory, caplog, case):
    body, headers, canaries = case
    sink = InMemorySink()
    app = make_app(tmp_path_factory.mktemp("canary"), sink)
    c = Client(app)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        r = c.post(
            "/c/e", data=json.dumps(body).encode(), headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        pixel = {k: v for k, v in body["e"][0].items() if isinstance(v, str)} | {"k": SITE_KEY}
        if "v" in body:
            pixel.update(v=body["v"], c="measure,pool")
        r2 = c.get(
            "/c/p.gif?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in pixel.items()),
            headers=headers,
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        check = c.post("/c/check", data=json.dumps(body).encode(), headers=headers)
    assert r.status_code in (204, 400), r.get_data()
    assert r2.status_code in (200, 400), r2.get_data()
    stored = b"\n".join(sink.records).decode()
    assert leaks(stored, canaries) == [], stored
    assert leaks(app.metrics.exposition().decode(), canaries) == []
    assert leaks(caplog.text, canaries) == []
    assert leaks(check.get_data(as_text=True), canaries) == []
