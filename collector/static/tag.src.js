/* artaud tag, readable source. `tag.js` beside it is this file minified by tests/js/build_tag.mjs
 * (terser); a test rebuilds it and fails when the two differ or when the served tag is over 2 KB
 * gzipped. The collector replaces ARTAUD_CFG by the consent settings when it serves the tag:
 *   p: TCF purposes of the pooled audience, v: the SCARE's TCF vendor id (0: none),
 *   s: the CMP service name (tarteaucitron / Klaro), g / d: honour GPC / Do Not Track.
 * ES5 on purpose (old browsers); every entry point is wrapped so that nothing ever throws into the
 * host page. No identifier is stored before the consent covers the pooled audience; the identifier
 * lives at most 390 days (13 months) from that consent and is never extended. */
(function (w, d, N) {
  function T(f) {
    return function (a, b, c) {
      try {
        return f(a, b, c);
      } catch (e) {
        /* never break the host page */
      }
    };
  }
  T(function () {
    var C = ARTAUD_CFG,
      S = d.currentScript,
      site = S && S.getAttribute("data-site"),
      old = w.artaud,
      K = "artaud_id",
      api, // purposes given through the tag's own API (undefined: none given)
      tc, // TC string from __tcfapi
      tcOk, // what that TC string means for the pooled audience, read here to store an id
      waiting = [], // hits held until the TCF CMP answered (at most 1 s)
      last,
      base,
      sync, // open the partner ID sync with the next hit
      to, // in a ticketing iframe (data-bridge): the parent page's origin
      gpc = N.globalPrivacyControl === true && C.g,
      dnt = /1/.test(N.doNotTrack + w.doNotTrack) && C.d; // "1" on either
    if (!site || (old && old.l)) return;
    base = S.src.split("/c/t.js")[0];
    if (S.hasAttribute("data-bridge") && w.parent != w) to = S.getAttribute("data-bridge") || (d.referrer.match(/^\w+:\/\/[^/]+/) || [])[0];

    function rid() {
      var a = T(function () { return crypto.getRandomValues(new Uint32Array(4)); })() || [], s = "", i;
      for (i = 0; i < 4; i++) s += (a[i] || (Math.random() * 4e9) >>> 0).toString(36) + "-";
      return s;
    }

    // [source, signal, covers the pooled audience: true, false, or undefined while unknown (no choice
    // yet, or a banner that has not loaded its state)] from the consent tool on the page
    function consent() {
      var t = w.tarteaucitron, k = w.klaro, st, src, out = [], n;
      if (tc) return ["tcf", tc, tcOk];
      if (t && t.state) (st = t.state), (src = "tac");
      else if (k && k.getManager) (st = T(function () { var m = k.getManager(); return m.confirmed ? m.consents : {}; })() || {}), (src = "klaro");
      if (st) {
        for (n in st) if (n == C.s || n.indexOf(C.s + "_") == 0) out.push(n + "=" + (st[n] === true));
        return [src, out.join(), st[C.s]];
      }
      return api == null ? [] : ["tag", api, /(^|,)pool(,|$)/.test(api)];
    }

    // the first-party id, created at consent; when the consent is refused or withdrawn (not merely
    // unknown), the id goes and the collector is told, so that its pseudonym leaves every later
    // segment and export
    // (v.s: when the partner ID sync last ran; it runs at most once a day, with the next hit)
    function vid(on) {
      var st = w.localStorage, v = JSON.parse(st.getItem(K)), now = Date.now();
      if (on) {
        if (!v || now - v.t > 390 * 864e5) v = { i: rid(), t: now };
        if (!(now - v.s < 864e5)) (v.s = now), (sync = 1), st.setItem(K, JSON.stringify(v));
        return v.i;
      }
      if (on === false && v) st.removeItem(K), N.sendBeacon(base + "/c/w", JSON.stringify({ k: site, v: v.i }));
    }
    function own(c) {
      return T(vid)(c[2] && !gpc && !dnt);
    }

    // sendBeacon, then fetch with keepalive, then an image; a string body is sent as text/plain (no
    // CORS preflight) and a cross-origin fetch carries no cookies
    var send = T(function (n, props) {
      var e = { n: n, u: location.href, r: d.referrer, i: rid() }, c, b, k, q = [], body, url = base + "/c/e";
      for (k in props) if (props[k] != null) e[k] = props[k];
      if (to) return w.parent.postMessage({ artaud: e }, to);
      if (waiting) return waiting.push(e);
      c = consent();
      b = { k: site, e: [e] };
      if (c[0] == "tcf") b.gdpr_consent = c[1];
      else if (c[0]) (b.cs = c[0]), (b.c = c[1]);
      if (gpc) b.g = 1;
      k = own(c);
      if (k) b.v = k;
      body = JSON.stringify(b);
      if (!T(function () { return N.sendBeacon(url, body); })() && !T(function () { return fetch(url, { method: "POST", body: body, keepalive: !0 }).catch(T()); })()) {
        for (k in e) b[k] = e[k];
        for (k in b) if (typeof b[k] != "object") q.push(k + "=" + encodeURIComponent(b[k]));
        new Image().src = base + "/c/p.gif?" + q.join("&");
      }
      // the partner ID sync: a hidden frame on the collector's origin, where the collector decides each
      // partner's consent from this same signal; the page cannot read what it hands the partners
      if (b.v && sync) (sync = 0), (k = d.createElement("iframe")), (k.hidden = 1), (k.src = base + "/c/s?b=" + encodeURIComponent(body)), d.body.appendChild(k);
    });

    function release() {
      var h = waiting;
      waiting = null;
      for (var i = 0; h && i < h.length; i++) send(0, h[i]); // the held event brings its own name, URL and id
    }

    // film pages: data attributes, or schema.org JSON-LD (Movie, ScreeningEvent) already on the page
    function film() {
      var el = d.querySelector("[data-artaud-film]"), x = d.querySelectorAll('script[type="application/ld+json"]'), i, j, o, m;
      if (el) return send("view_item", { film: el.getAttribute("data-artaud-film"), title: el.getAttribute("data-artaud-title") });
      for (i = 0; i < x.length; i++) {
        o = T(JSON.parse)(x[i].text) || {};
        o = [].concat(o["@graph"] || o);
        for (j = 0; j < o.length; j++) {
          m = o[j] || {}; // a Movie, or the film a ScreeningEvent presents
          m = m["@type"] == "Movie" ? m : m.workPresented;
          if (m && m.name) return send("view_item", { title: m.name, dir: ([].concat(m.director)[0] || {}).name, start: o[j].startDate });
        }
      }
    }

    function page() {
      var h = location.href.split("#")[0];
      if (h != last) (last = h), send("page_view"), film();
    }

    // GA4 e-commerce from a dataLayer (GTM objects or gtag arguments), sent as is: the collector reads
    // value, currency, transaction_id and items[] (item_id, item_name, item_variant, quantity, show_id, show_start)
    function layer(x) {
      var n = x && (x[0] == "event" ? x[1] : x.event);
      if (/^(view_item|select_item|add_to_cart|begin_checkout|purchase)$/.test(n)) send(n, (x[0] == "event" ? x[2] : x.ecommerce) || {});
    }
    function layers(a) {
      for (var i = 0; i < a.length; i++) T(layer)(a[i]);
    }
    var dl = (w.dataLayer = w.dataLayer || []), push = dl.push;
    layers(dl);
    dl.push = function () {
      layers(arguments);
      return push.apply(dl, arguments);
    };

    // the tag's API: artaud("consent", "pool,partner:x" | null), artaud("event", name, props)
    var me = (w.artaud = T(function (cmd, a, b) {
      if (cmd == "consent") (api = "" + (a || "")), own(consent());
      if (cmd == "event") send(a, b);
    }));
    me.l = 1;

    // events from a ticketing iframe on another origin (its tag runs with data-bridge)
    w.addEventListener("message", T(function (m) {
      var e = m.data && m.data.artaud;
      if (e && e.n && ("" + e.u).indexOf(m.origin + "/") == 0) send(0, e);
    }));
    // a withdrawal in tarteaucitron removes the id at once
    d.addEventListener("tac.consent_updated", T(function () { own(consent()); }));
    // single-page navigation: read the page once the router has rendered it
    function later() {
      setTimeout(T(page), 0);
    }
    var hp = history.pushState;
    history.pushState = function () {
      later(); // runs after the state has changed
      return hp.apply(history, arguments);
    };
    w.addEventListener("popstate", later);

    if (w.__tcfapi && !to)
      w.__tcfapi("addEventListener", 2, T(function (t, ok) {
        var r, i;
        if (ok && t.gdprApplies !== false && t.tcString && /loaded|complete/.test(t.eventStatus)) {
          r = (t.publisher || {}).restrictions || {};
          tc = t.tcString;
          tcOk = true;
          for (i = 0; i < C.p.length; i++)
            if (!t.purpose.consents[C.p[i]] || (C.v && (!t.vendor.consents[C.v] || /[02]/.test((r[C.p[i]] || {})[C.v])))) tcOk = false;
          own(consent());
        }
        release();
      }));
    else release();
    setTimeout(T(release), 1e3);
    for (var j = 0; old && old.q && j < old.q.length; j++) me.apply(w, old.q[j]);
    page();
  })();
})(window, document, navigator);
