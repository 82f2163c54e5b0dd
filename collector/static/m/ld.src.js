/* The tag's schema.org JSON-LD film reader (`/c/m/ld.js`), loaded by the tag on pages with JSON-LD.
 * It gives the tag `artaud.j(title)`: the page's first Movie, or film a ScreeningEvent presents
 * (`workPresented`), as {title, dir, start}; given the title the page's data attributes name, only a
 * film of that title (case, accents and punctuation aside), since a page may present other films
 * than its own (a listing beside a film page, an SPA whose router renders another film). Then it
 * asks the tag to read the page again. */
(function (w, d) {
  function parse(text) {
    try {
      return JSON.parse(text) || {};
    } catch (e) {
      return {};
    }
  }
  function same(a) {
    a = String(a).toLowerCase();
    if (a.normalize) a = a.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    return a.replace(/[^a-z0-9]+/g, "");
  }
  try {
    w.artaud.x(function (consent, answer, film) {
      w.artaud.j = function (title) {
        var x = d.querySelectorAll('script[type="application/ld+json"]'), i, j, o, m;
        for (i = 0; i < x.length; i++) {
          o = parse(x[i].text);
          o = [].concat(o["@graph"] || o);
          for (j = 0; j < o.length; j++) {
            m = o[j] || {};
            m = m["@type"] == "Movie" ? m : m.workPresented;
            if (m && m.name && (!title || same(title) == same(m.name)))
              return { title: m.name, dir: ([].concat(m.director)[0] || {}).name, start: o[j].startDate };
          }
        }
        return {};
      };
      film();
    });
  } catch (e) {
    /* never break the host page */
  }
})(window, document);
