// The console's charts: each <figure class="chart"> holds its data as JSON (a non-executed
// <script type="application/json">, so the CSP needs no inline script) and is drawn with uPlot
// (admin/static/vendor, from npm), in French, in Europe/Paris time.
(function () {
  "use strict";
  var FR = {
    MMMM: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
    MMM: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    WWWW: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    WWW: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
  };
  var PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f"];
  var number = new Intl.NumberFormat("fr-FR");
  // days as read in France (uPlot's own ticks are month/day): "3 nov.", and "03/11/2026" in the legend
  var tick = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", timeZone: "Europe/Paris" });
  var full = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeZone: "Europe/Paris" });

  function draw(figure) {
    var holder = figure.querySelector("script[type='application/json']");
    var plot = figure.querySelector(".plot");
    if (!holder || !plot || typeof uPlot === "undefined") return;
    var data = JSON.parse(holder.textContent);
    var percent = data.unit === "%";
    var series = [{ label: "Jour", value: function (u, v) { return v == null ? "—" : full.format(new Date(v * 1000)); } }].concat(
      data.series.map(function (s, i) {
        return {
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          value: function (u, v) { return v == null ? "—" : percent ? number.format(v) + " %" : number.format(v); },
        };
      })
    );
    var options = {
      width: Math.max(280, plot.clientWidth || 600),
      height: 240,
      series: series,
      scales: { x: { time: true } },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return tick.format(new Date(v * 1000)); }); } }, { values: function (u, vals) { return vals.map(function (v) { return percent ? v + " %" : number.format(v); }); } }],
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Europe/Paris"); },
      fmtDate: function (tpl) { return uPlot.fmtDate(tpl, FR); },
    };
    var rows = [data.x].concat(data.series.map(function (s) { return s.values; }));
    var chart = new uPlot(options, rows, plot);
    figure.classList.add("drawn");
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(280, plot.clientWidth || 600), height: 240 });
    });
  }

  document.querySelectorAll("figure.chart").forEach(draw);
})();
