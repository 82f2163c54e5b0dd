// « Segments » (admin/segment_pages.py): while a build runs, poll its progress (a JSON answer to the
// signed-in page) and move the <progress> bar; when it ends, reload the page to show its outcome
// and the new results.
(function () {
  "use strict";
  var section = document.getElementById("construction");
  if (!section || section.dataset.state !== "running") return;
  var bar = document.getElementById("build-progress");
  var step = document.getElementById("build-step");
  var done = document.getElementById("build-done");
  var total = document.getElementById("build-total");

  function poll() {
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { setTimeout(poll, 3000); return; }
        bar.max = s.total || 1;
        bar.value = s.done;
        bar.textContent = s.percent + " %";
        step.textContent = s.step;
        done.textContent = s.done;
        total.textContent = s.total;
        if (s.state === "running") setTimeout(poll, 1000);
        else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
