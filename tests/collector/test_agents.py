from __future__ import annotations

import pytest

from collector.agents import AgentClassifier, full_parse, heuristic

CASES = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
        "Safari/537.36",
        "desktop",
        "Chrome",
        "Windows",
        False,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1",
        "mobile",
        "Safari",
        "iOS",
        False,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 "
        "Mobile/15E148 Safari/604.1",
        "tablet",
        "Safari",
        "iOS",
        False,
    ),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", None, None, True),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 "
        "Safari/537.36",
        "bot",
        None,
        None,
        True,
    ),
    ("curl/8.5.0", "bot", None, None, True),
    ("", "bot", None, None, True),
]


@pytest.mark.parametrize(("ua", "device", "browser", "os", "bot"), CASES)
@pytest.mark.parametrize("parse", [heuristic, full_parse])
def test_classification(parse, ua, device, browser, os, bot):
    a = parse(ua)
    assert (a.device_class, a.is_bot) == (device, bot)
    if browser:
        assert (a.browser_family, a.os_family) == (browser, os)


def test_cache_is_bounded_and_misses_are_parsed_in_the_background():
    c = AgentClassifier(cache_size=50, queue_size=10_000)
    uas = [f"Mozilla/5.0 (Windows NT 10.0) Chrome/{i}.0 Safari/537.36" for i in range(200)]
    for ua in uas:
        c.classify(ua)
    c.drain(30)
    assert len(c._cache) == 50
    assert c.classify(uas[-1]) == full_parse(uas[-1])


def test_a_flood_of_unique_agents_falls_back_to_the_heuristic_without_queueing_more():
    c = AgentClassifier(cache_size=100, queue_size=5)
    for i in range(2_000):
        c.classify(f"Flood/{i}")
    assert c.heuristic_only > 1_000
    assert c._queue.qsize() <= 5
