/* The link to the page « Vos données d'audience » (`/c/r.js`), which a cinema puts in its privacy
 * policy (docs/webmasters.md § 8). Loaded only on that page, never by the tag, outside its budget.
 *
 * On a click of an element with `data-artaud-rights`, it reads the first-party id the tag keeps in
 * this site's `localStorage` (`artaud_id`), sends it with the site key to the collector (`POST /c/r`,
 * a text/plain body: no preflight, no cookies) from this page, whose origin the collector checks, and
 * opens the page with the sealed ticket it answers in the address's fragment: a fragment never
 * reaches a server or a log. Without an id (no pooled-audience consent on this browser), the page
 * opens without a ticket and says that nothing is held. ES5; never throws into the host page. */
(function (w, d) {
  try {
    var S = d.currentScript,
      site = S && S.getAttribute("data-site"),
      base = S.src.split("/c/r.js")[0],
      page = ARTAUD_RIGHTS_PAGE,
      lang = /^en/i.test(d.documentElement.lang || "") ? "en" : "fr";
    var open = function (fragment) {
      w.location.assign(page + "#" + fragment + "&l=" + lang);
    };
    var go = function (e) {
      var v = null, x;
      if (e && e.preventDefault) e.preventDefault();
      try {
        v = JSON.parse(w.localStorage.getItem("artaud_id"));
      } catch (err) {
        v = null;
      }
      if (!v || !v.i || !site) return open("t=");
      x = new XMLHttpRequest();
      x.open("POST", base + "/c/r");
      x.onload = function () {
        var t = "";
        try {
          if (x.status == 200) t = JSON.parse(x.responseText).ticket || "";
        } catch (err) {
          t = "";
        }
        open(t ? "t=" + t : "e=" + x.status);
      };
      x.onerror = function () {
        open("e=0");
      };
      x.send(JSON.stringify({ k: site, v: v.i }));
    };
    var bind = function () {
      var links = d.querySelectorAll("[data-artaud-rights]"), i;
      for (i = 0; i < links.length; i++) links[i].addEventListener("click", go);
    };
    if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", bind);
    else bind();
  } catch (err) {
    /* never break the host page */
  }
})(window, document);
