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

  // A link to a section folded in <details> (the report's breakdowns) opens it; printing opens
  // them all, so the printout holds the whole report.
  function openTargetDetails() {
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    var details = target ? target.querySelector("details") || target.closest("details") : null;
    if (details) {
      details.open = true;
    }
  }

  function openAllDetailsForPrint() {
    document.querySelectorAll("details.report-details").forEach(function (details) {
      details.open = true;
    });
  }

  window.addEventListener("hashchange", openTargetDetails);
  window.addEventListener("beforeprint", openAllDetailsForPrint);

  document.addEventListener("DOMContentLoaded", function () {
    focusProblem();
    linkCompletedToPercent();
    openTargetDetails();
  });
})();
