/* The tag's IAB TCF v2.2 reader (`/c/m/tcf.js`), loaded by the tag on pages with `__tcfapi`.
 * The collector replaces ARTAUD_CFG as in the tag (p: the pooled audience's purposes, v: the SCARE's
 * vendor id). It tells the tag the TC string and whether it covers the pooled audience (purposes,
 * vendor, publisher restrictions), which decides whether the tag may store its identifier; the
 * collector decides the track again from the string itself. Any other answer of the CMP (no string
 * yet, GDPR not applying) tells the tag that the CMP has answered without a consent. */
(function (w) {
  try {
    var C = ARTAUD_CFG;
    w.artaud.x(function (consent, answer) {
      w.__tcfapi("addEventListener", 2, function (t, ok) {
        try {
          var r, i, yes = true;
          if (ok && t.gdprApplies !== false && t.tcString && /loaded|complete/.test(t.eventStatus)) {
            r = (t.publisher || {}).restrictions || {};
            for (i = 0; i < C.p.length; i++)
              if (!t.purpose.consents[C.p[i]] || (C.v && (!t.vendor.consents[C.v] || /[02]/.test((r[C.p[i]] || {})[C.v])))) yes = false;
            answer(t.tcString, yes);
          } else answer();
        } catch (e) {
          answer();
        }
      });
    });
  } catch (e) {
    /* never break the host page */
  }
})(window);
