// Small helps on top of pages that work fully without JavaScript.
(function () {
  "use strict";

  // Move focus to the first error summary or conflict notice, so keyboard and screen-reader
  // users land on what went wrong after a refused form.
  function focusProblem() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // Choosing "Completed" means 100 percent: say so in the form before it is sent.
  function linkCompletedToPercent() {
    var status = document.getElementById("id_progress-status");
    var percent = document.getElementById("id_progress-percent_complete");
    if (!status || !percent) {
      return;
    }
    status.addEventListener("change", function () {
      if (status.value === "completed") {
        percent.value = "100";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusProblem();
    linkCompletedToPercent();
  });
})();
