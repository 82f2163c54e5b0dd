"""User-agent classification into coarse, non-identifying attributes, off the hot path.

The `user-agents` parser costs ~1.7 ms for an unseen string, so the request path never
calls it: it looks up a bounded LRU cache, and on a miss answers with a fast heuristic
and queues the string for a background thread that parses it fully and fills the cache.
The queue is bounded too; when a flood of unique strings fills it, further strings are
classified by the heuristic only (counted in `heuristic_only`).
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


def _crawler_patterns() -> Any:
    """One RE2 program (linear time, compiled once per process) of every pattern of the maintained
    `crawler-user-agents` list, plus the few automated clients it leaves out. RE2 rather than `re`:
    1,500 alternatives cost Python's backtracking engine about a millisecond for a browser's user
    agent, RE2's DFA a few microseconds (bench/agents_bench.py)."""
    import re2
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    options = re2.Options()
    options.max_mem = 64 << 20  # the DFA's cache: 1,500 patterns need more than the default 8 MB
    patterns = [f"(?:{entry['pattern']})" for entry in CRAWLER_USER_AGENTS_DATA]
    return re2.compile("|".join([*patterns, *EXTRA_BOTS]), options)


# automated clients seen on cinema sites that the list leaves out (checked against real browsers in
# tests/collector/test_agents.py)
EXTRA_BOTS = (r"Java/\d", r"Lighthouse", r"Yandex\w*Bot", r"[Hh]eadless")
_BOT = _crawler_patterns()


@dataclass(frozen=True)
class Agent:
    device_class: str  # desktop | mobile | tablet | bot | other
    browser_family: str
    os_family: str
    is_bot: bool


_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_OSES = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Android", "Android"),
    ("Mac OS X", "Mac OS X"),
    ("CrOS", "Chrome OS"),
    ("Linux", "Linux"),
)
_FAMILY_MAP = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "HeadlessChrome": "Chrome",
}
_KNOWN = {"Chrome", "Safari", "Firefox", "Edge", "Opera", "Samsung Internet"}
_KNOWN_OS = {"Windows", "iOS", "Android", "Mac OS X", "Chrome OS", "Linux"}


def heuristic(ua: str) -> Agent:
    if not ua.strip() or _BOT.search(ua):
        return Agent("bot", _browser(ua), _os(ua), True)
    if "iPad" in ua or "Tablet" in ua:
        device = "tablet"
    elif "Mobi" in ua or "iPhone" in ua or "Android" in ua:
        device = "mobile"
    elif "Windows" in ua or "Macintosh" in ua or "X11" in ua or "CrOS" in ua:
        device = "desktop"
    else:
        device = "other"
    return Agent(device, _browser(ua), _os(ua), False)


def bot_reason(ua: str) -> str | None:
    """Why `ua` counts as a robot, for the installation check: the word of it that a robot pattern
    matched ("" for an empty user agent, "user-agents" when only that library's parse says so), or
    None for a browser."""
    if not ua.strip():
        return ""
    found = _BOT.search(ua)
    if found is not None:
        start = max(
            ua.rfind(" ", 0, found.start()), ua.rfind("(", 0, found.start()), ua.rfind(";", 0, found.start())
        )
        end = min((i for i in (ua.find(c, found.end()) for c in " );") if i >= 0), default=len(ua))
        return ua[start + 1 : end].split("/")[0] or found.group(0)
    return "user-agents" if full_parse(ua).is_bot else None


def _browser(ua: str) -> str:
    for needle, family in _BROWSERS:
        if needle in ua:
            return family
    return "Other"


def _os(ua: str) -> str:
    for needle, family in _OSES:
        if needle in ua:
            return family
    return "Other"


def full_parse(ua: str) -> Agent:
    """The `user-agents` library's verdict, folded into our coarse families."""
    import user_agents

    parsed = user_agents.parse(ua)
    fam = _FAMILY_MAP.get(parsed.browser.family, parsed.browser.family)
    os_fam = parsed.os.family if parsed.os.family in _KNOWN_OS else _os(ua)
    is_bot = bool(parsed.is_bot) or bool(_BOT.search(ua)) or not ua.strip()
    if is_bot:
        device = "bot"
    elif parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    elif parsed.is_pc:
        device = "desktop"
    else:
        device = heuristic(ua).device_class
    return Agent(device, fam if fam in _KNOWN else "Other", os_fam, is_bot)


class AgentClassifier:
    def __init__(self, cache_size: int = 20_000, queue_size: int = 1_000, background: bool = True) -> None:
        self._cache: OrderedDict[str, Agent] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()
        self._queue: queue.Queue[str] = queue.Queue(maxsize=queue_size)
        self._pending: set[str] = set()
        self.heuristic_only = 0
        self._background = background
        if background:
            threading.Thread(target=self._worker, name="ua-parser", daemon=True).start()

    def classify(self, ua: str) -> Agent:
        ua = ua[:512]
        with self._lock:
            hit = self._cache.get(ua)
            if hit is not None:
                self._cache.move_to_end(ua)
                return hit
        if not self._background:
            agent = full_parse(ua)
            self._store(ua, agent)
            return agent
        with self._lock:
            queued = ua in self._pending
            if not queued:
                try:
                    self._queue.put_nowait(ua)
                    self._pending.add(ua)
                except queue.Full:
                    self.heuristic_only += 1
        return heuristic(ua)

    def _store(self, ua: str, agent: Agent) -> None:
        with self._lock:
            self._cache[ua] = agent
            self._cache.move_to_end(ua)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
            self._pending.discard(ua)

    def _worker(self) -> None:
        while True:
            ua = self._queue.get()
            try:
                agent = full_parse(ua)
            except Exception:  # a parser bug must never stop classification
                agent = heuristic(ua)
            self._store(ua, agent)

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until queued strings are parsed (tests and benchmarks)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return
            time.sleep(0.01)
