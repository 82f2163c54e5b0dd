/* artaud tag, readable source. `tag.js` beside it is this file minified by tests/js/build_tag.mjs
 * (terser); a test rebuilds it and fails when the two differ or when the served tag is over 2 KB
 * gzipped. The collector replaces ARTAUD_CFG by the settings the browser needs when it serves the tag:
 *   p: TCF purposes of the pooled audience, v: the SCARE's TCF vendor id (0: none),
 *   s: the CMP service name (tarteaucitron / Klaro), g / d: honour GPC / Do Not Track,
 *   w: how long (ms) a page load's hits may wait for the consent tool's answer.
 * ES5 on purpose (old browsers); every entry point is wrapped so that nothing ever throws into the
 * host page. No identifier is stored before the consent covers the pooled audience; the identifier
 * lives at most 390 days (13 months) from that consent and is never extended.
 *
 * A page load's hits are held until the consent tool on the page has answered and the page has been
 * read for its film, at most `w` ms, or until the visitor leaves the page; then they go with that
 * answer. What only some pages need loads on demand from the collector (`/c/m/<name>.js`, the
 * sources beside this one): the IAB TCF reader (`tcf`, on pages with `__tcfapi`), the JSON-LD film
 * reader (`ld`), the ticketing iframe's side of the bridge (`bridge`), the partner ID sync (`sync`)
 * and the installation check (`check`, on pages opened with `?artaud-check`). */
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
      L = location,
      api, // purposes given through the tag's own API (undefined: none given)
      tc, // TC string read by m/tcf.js
      tcOk, // what that TC string means for the pooled audience (to store an id)
      tcDone, // the TCF CMP has answered
      M = {}, // modules requested
      held = [], // this page load's events, until they may go
      view, // this page view's view_item: one per page view, however many descriptions the page has
      fd, // the page has been read for its film
      kw = { update: function (x, n) { n == "saveConsents" && re(); } }, // watches the Klaro manager
      last,
      base,
      sync, // open the partner ID sync with the next hit
      br, // in a ticketing iframe, until m/bridge.js has loaded
      gpc = N.globalPrivacyControl === true && C.g,
      dnt = N.doNotTrack == 1 && C.d;
    if (!site || (old && old.l)) return;
    base = S.src.split("/c/t.js")[0];
    br = S.hasAttribute("data-bridge") && w.parent != w;

    function rid() {
      return T(function () { return crypto.getRandomValues(new Uint32Array(4)).join("-"); })() || (Math.random() + "-" + +new Date()).slice(2);
    }
    function mod(n) {
      var s = d.createElement("script");
      if (!M[n]) (M[n] = s.src = base + "/c/m/" + n + ".js"), d.head.appendChild(s);
    }

    // [source, signal, covers the pooled audience: true, false, or undefined while unknown (no choice
    // yet), whether the consent tool has answered] from the consent tool on the page
    function consent() {
      var t = w.tarteaucitron, k = w.klaro, st, src, out = [], n, m;
      if (w.__tcfapi && !br) mod("tcf");
      if (tc) return ["tcf", tc, tcOk, 1];
      if (t && t.state) {
        // the cookie tarteaucitron keeps the choices in (it reads it itself only after the page's load
        // event and its own scripts); once it has added our service, no entry there means no choice yet
        (src = "tac"), (st = {}), (m = t.added[C.s]);
        (("; " + d.cookie).split("; " + (t.parameters.cookieName || "tarteaucitron") + "=")[1] || "").split(";")[0].replace(/!([^=!]+)=(true|false)/g, function (x, a, b) { st[a] = b == "true"; });
      } else if (k && k.getManager) {
        m = k.getManager();
        m.watch(kw); // once: the manager keeps its watchers in a Set
        (st = m.confirmed ? m.consents : {}), (src = "klaro");
      }
      if (st) {
        for (n in st) if (n == C.s || n.indexOf(C.s + "_") == 0) out.push(n + "=" + (st[n] === true));
        return [src, out.join(), st[C.s], m || st[C.s] != null || tcDone];
      }
      return api == null ? [0, 0, 0, tcDone] : ["tag", api, /(^|,)pool(,|$)/.test(api), 1];
    }

    // the first-party id, created at consent; when the consent is refused or withdrawn (not merely
    // unknown), the id goes and the collector is told, so that its pseudonym leaves every later
    // segment and export
    // (v.s: when the partner ID sync last ran; it runs at most once a day, with the next hit)
    function vid(on) {
      var st = w.localStorage, v = JSON.parse(st.getItem(K)), now = +new Date();
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

    // sendBeacon (a string body goes as text/plain: no CORS preflight, no cookies), else an image
    var out = T(function (e) {
      var c = consent(), b = { k: site, e: [e] }, k, body;
      if (c[0]) (b.cs = c[0]), (b.c = c[1]);
      k = own(c);
      if (k) b.v = k;
      body = JSON.stringify(b);
      if (me.g) me.g.push(body); // for the installation check
      if (!(N.sendBeacon && N.sendBeacon(base + "/c/e", body))) new Image().src = base + "/c/p.gif?b=" + encodeURIComponent(body);
      // the partner ID sync (m/sync.js): a hidden frame on the collector's origin, where the collector
      // decides each partner's consent from this same signal; the page cannot read what it hands them
      if (k && sync) (sync = 0), (me.s = body), mod("sync");
    });
    // e gets p's values; over: even where e already has one
    function add(e, p, over) {
      for (var k in p) if (p[k] != null && (over || e[k] == null)) e[k] = p[k];
      return e;
    }
    function ev(n, p) {
      return add({ n: n, u: L.href, r: d.referrer, i: rid() }, p);
    }
    function send(e) {
      held ? held.push(e) : out(e);
    }
    // now: the wait is over or the visitor leaves
    var check = T(function (now) {
      var h = held, i;
      if (!fd && d.readyState != "loading") film();
      if (h && !br && (now || (consent()[3] && fd))) {
        held = 0;
        for (i = 0; i < h.length; i++) out(h[i]);
      }
    });
    // a choice was made: the id follows it, and what was held waiting for it goes
    var re = T(function () {
      own(consent());
      check();
    });

    // the film of this page view: the data attributes, schema.org JSON-LD (Movie, ScreeningEvent, read
    // by m/ld.js) and a dataLayer view_item are one event; the data attributes win, then JSON-LD, then
    // the dataLayer, each filling in what the ones before did not say
    function item(p, over) {
      if (!view) send(add((view = ev("view_item")), p));
      else if (held && held.indexOf(view) + 1) add(view, p, over);
    }
    var film = T(function () {
      var q = (d.querySelector("[data-artaud-film],[data-artaud-title]") || {}).dataset || {}, p = {};
      if (d.querySelector('[type$="ld+json"]')) {
        if (!me.j) return mod("ld"); // which reads the page again once loaded
        p = me.j(q.artaudTitle); // the JSON-LD film of that title (a page may present others)
      }
      fd = 1;
      add(p, { film: q.artaudFilm, title: q.artaudTitle, dir: q.artaudDirector }, 1);
      if (p.title || p.film) item(p, 1);
    });

    function page() {
      var h = L.href.split("#")[0];
      if (h != last) (last = h), (view = fd = 0), send(ev("page_view")), check();
    }

    // GA4 e-commerce from a dataLayer (GTM objects or gtag arguments), sent as is: the collector reads
    // value, currency, transaction_id and items[] (item_id, item_name, item_variant, quantity, show_id, show_start)
    var layer = T(function (x) {
      var g = x[0] == "event", n = g ? x[1] : x.event, p = (g ? x[2] : x.ecommerce) || {};
      if (n == "view_item") item(p);
      else if (/^(select_item|add_to_cart|begin_checkout|purchase)$/.test(n)) send(ev(n, p));
    });
    function layers(a) {
      for (var i = 0; i < a.length; i++) layer(a[i]);
    }

    // the tag's API: artaud("consent", "pool,partner:x" | null), artaud("event", name, props)
    // (an "event" call has the shape of a gtag call)
    var me = (w.artaud = T(function (cmd, a) {
      if (cmd == "consent") (api = "" + (a || "")), re();
      layer(arguments);
    }));
    me.l = 1;
    // what the modules use: the consent as read, m/tcf.js's answer, reading the page again, and
    // m/bridge.js's way out for the events of a ticketing iframe
    me.x = function (f) {
      f(consent, function (s, ok) {
        if (s) (tc = s), (tcOk = ok);
        tcDone = 1;
        re();
      }, film, function (o) {
        out = T(o);
        br = 0;
        check(1);
      });
    };
    if (br) mod("bridge");
    if (/artaud-check/.test(L)) (me.g = []), mod("check");

    // o[n](...) calls f(arguments) first
    function wrap(o, n, f) {
      var x = o[n];
      o[n] = function () {
        f(arguments);
        return x.apply(o, arguments);
      };
    }
    var dl = (w.dataLayer = w.dataLayer || []);
    page();
    layers(dl);
    wrap(dl, "push", layers);

    // events from a ticketing iframe on another origin (its tag runs with data-bridge)
    w.addEventListener("message", T(function (m) {
      var e = m.data && m.data.artaud;
      if (e && e.n && ("" + e.u).indexOf(m.origin + "/") == 0) send(e);
    }));
    // a withdrawal in tarteaucitron removes the id at once
    d.addEventListener("tac.consent_updated", re);
    // the visitor leaves (or hides the page, which may be the last chance): what is held goes now
    d.addEventListener("visibilitychange", function () { d.hidden && check(1); });
    // single-page navigation: read the page once the router has rendered it
    function later() {
      setTimeout(T(page), 0);
    }
    wrap(history, "pushState", later); // later: once the state has changed
    w.addEventListener("popstate", later);

    for (var j = 0; old && old.q && j < old.q.length; j++) me.apply(w, old.q[j]);
    // (the film is looked for again once the page has loaded, in case it was rendered late)
    w.addEventListener("load", film);
    var poll = setInterval(function () { held || !fd ? check() : clearInterval(poll); }, 50);
    // the wait is over: what is held goes, and the film is looked for again only at the page's load
    setTimeout(function () { check((fd = 1)); }, C.w);
  })();
})(window, document, navigator);
