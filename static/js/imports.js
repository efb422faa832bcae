// The progress bar of a workbook being applied: asks for the job's progress every second and
// reloads the page (which then shows the result) when the job is done.
(function () {
  "use strict";
  var section = document.querySelector("[data-import-progress]");
  if (!section) { return; }
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  var attempts = 0;
  function poll() {
    attempts += 1;
    if (attempts > 3600) { return; } // an hour: leave it to a manual refresh
    fetch(section.getAttribute("data-import-progress"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.max = job.total || 1;
        bar.value = job.done;
        text.textContent = text.getAttribute("data-format")
          .replace("%(done)s", job.done).replace("%(total)s", job.total);
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
