/* The page « Vos données d'audience » (rights/app.py). The ticket comes in the address's fragment
 * (`#t=…&l=fr`), put there by the cinema's link (`/c/r.js`); it is taken out of the address at once
 * and sent only in the body of this page's own requests. French by default, English on a toggle. */
(function () {
  "use strict";
  var EN = {
    switch: "Français",
    title: "Your audience data",
    intro: "The pooled audience of the French art-house cinemas (SCARE): what is kept under this browser's pseudonym, on this site.",
    loading: "Loading…",
    events: "Your visits, by cinema and month",
    cinema: "Cinema",
    month: "Month",
    event: "Event",
    count: "Count",
    films: "Films",
    segments: "The audience segments you are in",
    partners: "The partners your pseudonym was shared with",
    consents: "Your recorded consents",
    suppressed: "Withdrawals and erasures",
    download: "Download (JSON)",
    withdraw: "Withdraw my consent",
    erase: "Erase my data",
    confirmText: "Erasure is final: your data is deleted everywhere, and the partners who received it must remove it. Do you confirm?",
    confirmErase: "Yes, erase",
    cancel: "Cancel",
    exemptTitle: "The anonymous measurements",
    exempt: "Without your consent, each cinema only measures its own attendance, anonymously: a fingerprint computed under a salt of the day destroyed within 48 hours, with no identifier. Nothing in these measurements identifies you or can be tied to you; this is why they are not shown here.",
    none: "Nothing.",
    empty: "Nothing is held under this browser's pseudonym.",
    noId: "This browser holds no audience identifier for this site (no pooled-audience consent): nothing is held about it.",
    shown: "Here is everything held under this browser's pseudonym.",
    expired: "This link has expired or is not valid: open the page again from the cinema's site.",
    limited: "Too many requests: try again in a minute.",
    failed: "The service did not answer: try again later.",
    withdrawn: "Your consent is withdrawn: you will be in no segment and no export from now on. To stop the collection too, change your choice in the cinema's cookie banner.",
    erased: "Your data is erased. Receipt: ",
    nothingToErase: "Nothing was held under this browser's pseudonym: there was nothing to erase.",
    withdraw_k: "withdrawn on",
    erase_k: "erased on",
    shared: "shared from {a} to {b}",
    inBuild: "last build {a}",
    consentLine: "{a}: {b} (source {c}, policy {d})"
  };
  var FR = {
    none: "Rien.",
    empty: "Rien n'est conservé sous le pseudonyme de ce navigateur.",
    noId: "Ce navigateur ne garde aucun identifiant d'audience pour ce site (pas de consentement à l'audience mutualisée) : rien n'est conservé à son sujet.",
    shown: "Voici tout ce qui est conservé sous le pseudonyme de ce navigateur.",
    expired: "Ce lien a expiré ou n'est pas valable : rouvrez la page depuis le site du cinéma.",
    limited: "Trop de demandes : réessayez dans une minute.",
    failed: "Le service n'a pas répondu : réessayez plus tard.",
    withdrawn: "Votre consentement est retiré : vous ne figurerez plus dans aucun segment ni aucun export. Pour arrêter aussi la collecte, changez votre choix dans le bandeau cookies du cinéma.",
    erased: "Vos données sont effacées. Récépissé : ",
    nothingToErase: "Rien n'était conservé sous le pseudonyme de ce navigateur : il n'y avait rien à effacer.",
    withdraw_k: "retrait le",
    erase_k: "effacement le",
    shared: "partagé du {a} au {b}",
    inBuild: "dernier calcul le {a}",
    consentLine: "{a} : {b} (source {c}, politique {d})"
  };
  var PURPOSES = {
    fr: { measure: "mesure", pool: "audience mutualisée", partner: "partage avec " },
    en: { measure: "measurement", pool: "pooled audience", partner: "sharing with " }
  };
  var d = document, lang = "fr", ticket = "", error = "", last = null, note = "", noteExtra = "";
  var original = {};

  function $(id) {
    return d.getElementById(id);
  }
  function t(key) {
    if (lang === "en") return EN[key] || key;
    return FR[key] || original[key] || key;
  }
  function fill(s, v) {
    return s.replace(/\{(\w)\}/g, function (_, k) {
      return v[k] == null ? "" : String(v[k]);
    });
  }
  function translate() {
    var els = d.querySelectorAll("[data-i18n]"), i, k;
    for (i = 0; i < els.length; i++) {
      k = els[i].getAttribute("data-i18n");
      if (!(k in original)) original[k] = els[i].textContent;
      els[i].textContent = lang === "en" ? EN[k] || original[k] : original[k];
    }
    d.documentElement.lang = lang;
    d.title = t("title");
  }
  function purposes(list) {
    var p = PURPOSES[lang], out = [], i;
    for (i = 0; i < list.length; i++) {
      out.push(list[i].indexOf("partner:") === 0 ? p.partner + list[i].slice(8) : p[list[i]] || list[i]);
    }
    return out.join(", ");
  }
  function items(id, rows, line) {
    var ul = $(id), i, li;
    ul.textContent = "";
    if (!rows.length) rows = [null];
    for (i = 0; i < rows.length; i++) {
      li = d.createElement("li");
      li.textContent = rows[i] === null ? t("none") : line(rows[i]);
      ul.appendChild(li);
    }
  }
  function status(text) {
    $("status").textContent = text;
  }
  function show() {
    translate();
    if (error) return status(error === "429" ? t("limited") : t("failed"));
    if (!ticket) return status(t("noId"));
    if (!last) return;
    var tb = $("events").querySelector("tbody"), i, r, tr, cells, j, td;
    tb.textContent = "";
    for (i = 0; i < last.events.length; i++) {
      r = last.events[i];
      tr = d.createElement("tr");
      cells = [r.cinema, r.month, r.event, String(r.count), r.films.join(", ")];
      for (j = 0; j < cells.length; j++) {
        td = d.createElement("td");
        td.textContent = cells[j];
        tr.appendChild(td);
      }
      tb.appendChild(tr);
    }
    items("segments", last.segments, function (s) {
      return s.segment + " (" + fill(t("inBuild"), { a: s.last_build }) + ")";
    });
    items("partners", last.partners, function (p) {
      return p.partner + " : " + fill(t("shared"), { a: p.first_shared, b: p.last_shared });
    });
    items("consents", last.consents, function (c) {
      return fill(t("consentLine"), { a: c.recorded_at + " — " + c.cinema, b: purposes(c.purposes), c: c.source, d: c.policy_version });
    });
    items("suppressed", last.withdrawn_or_erased, function (s) {
      return t(s.kind + "_k") + " " + s.since;
    });
    var any = last.events.length || last.segments.length || last.partners.length || last.consents.length;
    status(note ? t(note) + noteExtra : any ? t("shown") : t("empty"));
    $("held").hidden = false;
  }
  function post(path, extra, done) {
    var x = new XMLHttpRequest(), body = { ticket: ticket }, k;
    for (k in extra) body[k] = extra[k];
    x.open("POST", "api/" + path);
    x.setRequestHeader("Content-Type", "application/json");
    x.onload = function () {
      var doc = null;
      try {
        doc = JSON.parse(x.responseText);
      } catch (e) {
        doc = null;
      }
      if (x.status === 200 && doc) return done(doc, x);
      $("held").hidden = true;
      status(x.status === 429 ? t("limited") : x.status === 403 ? t("expired") : t("failed"));
    };
    x.onerror = function () {
      status(t("failed"));
    };
    x.send(JSON.stringify(body));
  }
  function load() {
    post("summary", {}, function (doc) {
      last = doc;
      show();
    });
  }
  function init() {
    var frag = {}, parts = (location.hash || "").replace(/^#/, "").split("&"), i, kv;
    for (i = 0; i < parts.length; i++) {
      kv = parts[i].split("=");
      if (kv[0]) frag[kv[0]] = decodeURIComponent(kv.slice(1).join("="));
    }
    if (history.replaceState) history.replaceState(null, "", location.pathname);
    ticket = frag.t || "";
    error = frag.e || "";
    lang = frag.l === "en" ? "en" : "fr";
    $("lang").addEventListener("click", function () {
      lang = lang === "en" ? "fr" : "en";
      show();
    });
    $("download").addEventListener("click", function () {
      post("download", {}, function (doc, x) {
        var a = d.createElement("a"), m = /filename="([^"]+)"/.exec(x.getResponseHeader("Content-Disposition") || "");
        a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 1)], { type: "application/json" }));
        a.download = m ? m[1] : "vos-donnees-audience.json";
        d.body.appendChild(a);
        a.click();
        d.body.removeChild(a);
      });
    });
    $("withdraw").addEventListener("click", function () {
      post("withdraw", {}, function () {
        note = "withdrawn";
        load();
      });
    });
    $("erase").addEventListener("click", function () {
      $("confirm").hidden = false;
    });
    $("cancelErase").addEventListener("click", function () {
      $("confirm").hidden = true;
    });
    $("confirmErase").addEventListener("click", function () {
      $("confirm").hidden = true;
      post("erase", { confirm: true }, function (doc) {
        note = doc.receipt ? "erased" : "nothingToErase";
        noteExtra = doc.receipt || "";
        load();
      });
    });
    show();
    if (ticket && !error) load();
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", init);
  else init();
})();
