/* artaud tag (interim, foundation version): page views and the funnel, no identifier before consent. */
(function (w, d) {
  try {
    var s = d.currentScript, site = s && s.getAttribute("data-site");
    if (!site || w.artaud) return;
    var base = s.src.replace(/\/c\/t\.js.*$/, ""), K = "artaud_id", M = 395 * 864e5, cons = null;
    function rid() { var a = new Uint8Array(16); (w.crypto || w.msCrypto).getRandomValues(a);
      return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join(""); }
    function store() { try { return w.localStorage; } catch (e) { return null; } }
    function vid() { var st = store(); if (!st || !cons || cons.indexOf("pool") < 0) return "";
      try { var v = JSON.parse(st.getItem(K) || "null");
        if (!v || Date.now() - v.t > M) { v = { i: rid(), t: Date.now() }; st.setItem(K, JSON.stringify(v)); }
        return v.i; } catch (e) { return ""; } }
    function send(n, p) {
      var e = { n: n, u: location.href, r: d.referrer, i: rid() }, k;
      for (k in p || {}) e[k] = p[k];
      var b = { k: site, e: [e] }, v = vid(); if (v) { b.v = v; b.c = cons; }
      var body = JSON.stringify(b), url = base + "/c/e";
      try { if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return; } catch (x) {}
      try { fetch(url, { method: "POST", body: body, keepalive: true, credentials: "omit",
        headers: { "Content-Type": "text/plain" } }).catch(function () {}); return; } catch (x) {}
      new Image().src = base + "/c/p.gif?k=" + encodeURIComponent(site) + "&n=" + n + "&u=" + encodeURIComponent(location.href);
    }
    w.artaud = { track: send, consent: function (p) { cons = p || null;
      if (!cons || cons.indexOf("pool") < 0) { var st = store(); if (st) try { st.removeItem(K); } catch (e) {} } } };
    send("page_view");
  } catch (e) { /* never break the host page */ }
})(window, document);
