/* The installation check (`/c/m/check.js`), loaded by the tag when the page's address contains
 * `artaud-check` (for example https://www.mon-cinema.fr/?artaud-check). It shows the webmaster, in
 * French, in a panel on the page, what the tag sees: the consent tool it found and its answer, the
 * film of the page, and for each hit the page sent, what the collector does with it (`POST /c/check`
 * answers the same decision as for the hit, and stores nothing): its track, its consent, whether the
 * browser counts as a robot and why, or why the hit is refused. Nothing else is sent than usual. */
(function (w, d) {
  var TOOLS = {
      tcf: "une CMP IAB TCF v2.2 (__tcfapi)",
      tac: "tarteaucitron.js",
      klaro: "Klaro",
      tag: "l'API du marqueur (bandeau fait maison)"
    },
    EVENTS = {
      page_view: "page vue",
      view_item: "page de film",
      select_item: "séance choisie",
      add_to_cart: "places ajoutées",
      begin_checkout: "paiement commencé",
      purchase: "achat"
    },
    REASONS = {
      unknown_site: "aucun cinéma n'a cette clé de site : vérifiez l'attribut data-site",
      site_suspended: "la collecte de votre cinéma est suspendue par le SCARE",
      origin_mismatch: "cette page n'est pas sur un domaine déclaré pour votre cinéma : déclarez-le au SCARE",
      body_too_large: "envoi trop volumineux",
      malformed: "envoi mal formé",
      too_many_events: "trop d'évènements dans un envoi",
      invalid_event: "évènement invalide",
      spool_full: "le collecteur est momentanément saturé"
    },
    PURPOSES = { measure: "mesure", pool: "audience mutualisée" };

  function add(parent, tag, text, style) {
    var e = d.createElement(tag);
    if (text) e.textContent = text;
    if (style) e.style.cssText = style;
    parent.appendChild(e);
    return e;
  }
  function purposes(p) {
    var out = [], i, x = (p || "").split(",");
    for (i = 0; i < x.length; i++) if (x[i]) out.push(PURPOSES[x[i]] || x[i].replace("partner:", "partage avec "));
    return out.join(", ");
  }
  function answer(c) {
    if (!c[0]) return c[3] ? "la CMP a répondu sans consentement" : "aucun outil de consentement trouvé pour l'instant (tarteaucitron.js, Klaro, CMP IAB TCF ou API du marqueur)";
    return TOOLS[c[0]] + " : " + (c[2] === true ? "le visiteur a accepté l'audience mutualisée" : c[2] === false ? "le visiteur a refusé l'audience mutualisée" : c[3] ? "le visiteur n'a pas encore choisi" : "en attente de sa réponse");
  }
  function robot(why) {
    if (!why) return "il n'envoie pas d'agent utilisateur";
    if (why == "user-agents") return "son agent utilisateur est celui d'un robot connu";
    return "son agent utilisateur contient « " + why + " »";
  }
  function film(e) {
    var it = (e.items || [])[0] || {}, title = e.title || it.item_name, id = e.film || it.item_id;
    return (title ? "« " + title + " »" : "sans titre") + (e.dir ? " de " + e.dir : "") + (id ? " (identifiant " + id + ")" : "");
  }

  try {
    var a = w.artaud, base = d.currentScript.src.split("/c/m/")[0], seen = 0, box, tool, films, list;
    a.x(function (consent) {
      box = add(d.body, "aside", "", "position:fixed;right:1em;bottom:1em;z-index:2147483647;max-width:34em;max-height:70vh;overflow:auto;background:#fff;color:#111;border:2px solid #1d4ed8;border-radius:.5em;padding:1em;font:14px/1.4 system-ui,sans-serif;box-shadow:0 .3em 1em rgba(0,0,0,.3)");
      box.setAttribute("aria-label", "Vérification du marqueur du SCARE");
      box.id = "artaud-check";
      add(box, "strong", "Vérification du marqueur du SCARE", "display:block;font-size:1.1em;margin-bottom:.5em");
      add(box, "p", "Marqueur chargé, collecteur " + base + ". Ce mode n'envoie rien de plus que d'habitude.", "margin:.3em 0");
      tool = add(box, "p", "", "margin:.3em 0");
      films = add(box, "p", "Film de la page : aucun trouvé pour l'instant (attributs data-artaud-*, JSON-LD ou dataLayer).", "margin:.3em 0");
      add(box, "strong", "Envois de cette page", "display:block;margin-top:.5em");
      list = add(box, "ol", "", "margin:.3em 0;padding-left:1.5em");
      add(box, "button", "Fermer", "margin-top:.5em").onclick = function () {
        box.parentNode.removeChild(box);
      };

      function diagnose(body) {
        var sent = JSON.parse(body), e = sent.e[0], li = add(list, "li", (EVENTS[e.n] || e.n) + " : vérification…");
        if (e.n == "view_item") films.textContent = "Film de la page : " + film(e) + ".";
        fetch(base + "/c/check", { method: "POST", body: body })
          .then(function (r) {
            return r.json();
          })
          .then(function (x) {
            var t = (EVENTS[e.n] || e.n) + " : ";
            if (!x.accepted) return (li.textContent = t + "refusé, " + (REASONS[x.reason] || x.reason) + ".");
            t += x.track == "pooled" ? "audience mutualisée (avec consentement : " + purposes(x.purposes) + ")" : "statistiques anonymes de votre cinéma, sans identifiant";
            if (x.track != "pooled" && x.objection) t += " (le navigateur s'oppose au suivi : " + (x.objection == "gpc" ? "Global Privacy Control" : "Do Not Track") + ")";
            if (x.film_ref) t += ", film reconnu : " + x.film_ref;
            if (x.robot != null) t += ". Ce navigateur est compté comme un robot : " + robot(x.robot) + " ; ses visites sont enregistrées à part et n'entrent ni dans vos statistiques ni dans l'audience";
            li.textContent = t + ".";
          })
          ["catch"](function () {
            li.textContent = (EVENTS[e.n] || e.n) + " : le collecteur n'a pas pu être joint.";
          });
      }
      function refresh() {
        try {
          tool.textContent = "Consentement : " + answer(consent()) + ".";
          while (seen < a.g.length) diagnose(a.g[seen++]);
        } catch (e) {
          /* the panel is best effort */
        }
      }
      refresh();
      setInterval(refresh, 500);
    });
  } catch (e) {
    /* never break the host page */
  }
})(window, document);
