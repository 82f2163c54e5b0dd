/* The partner ID sync (`/c/m/sync.js`), loaded by the tag at most once a day for a visitor with an
 * identifier: a hidden frame on the collector's origin (`/c/s`), given the body of the hit that
 * opened it, in which the collector decides each partner's consent from that same signal. The page
 * cannot read the frame, so it never sees what the partners are handed. */
(function (w, d) {
  try {
    var s = d.currentScript, f = d.createElement("iframe");
    f.hidden = true;
    f.src = s.src.split("/c/m/")[0] + "/c/s?b=" + encodeURIComponent(w.artaud.s);
    d.body.appendChild(f);
  } catch (e) {
    /* never break the host page */
  }
})(window, document);
