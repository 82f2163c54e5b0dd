/* The ticketing iframe's side of the bridge (`/c/m/bridge.js`), loaded by a tag with `data-bridge`
 * running in a frame. The frame sends nothing itself: its events go by postMessage to the cinema's
 * page around it (to the origin given in `data-bridge`, else the origin of the embedding page), whose
 * tag sends them with the consent given there. */
(function (w, d) {
  try {
    var s = d.querySelector("script[data-bridge]"),
      to = (s && s.getAttribute("data-bridge")) || (d.referrer.match(/^\w+:\/\/[^/]+/) || [])[0];
    if (to)
      w.artaud.x(function (consent, answer, film, way) {
        way(function (e) {
          w.parent.postMessage({ artaud: e }, to);
        });
      });
  } catch (e) {
    /* never break the host page */
  }
})(window, document);
