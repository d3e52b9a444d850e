// The import run's page: poll its JSON and move the <progress> bar; once the
// run has ended, reload the page, which then shows the result and its errors.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var POLL_MS = 1000;

  function start() {
    var box = document.getElementById("import-status");
    if (!box || box.dataset.finished === "true") return;
    var bar = document.getElementById("import-progress");
    var count = document.getElementById("import-count");
    var state = document.getElementById("import-state");

    function poll() {
      fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (run) {
          if (run.total) {
            bar.max = run.total;
            bar.value = run.done;
            bar.textContent = Math.floor(100 * run.done / run.total) + "%";
          }  // else the bar stays busy (no value) until the job has counted the rows
          count.textContent = run.text;
          state.textContent = run.label;
          if (run.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, POLL_MS);
          }
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 5); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
