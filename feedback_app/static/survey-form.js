/* New-survey page: churn reasons belong to churn-exit surveys only, so their rows are shown for
 * that type alone, and disabled (not posted) for the others; without script they stay shown and
 * the server refuses reasons typed for another type, beside the field. */
(function (d) {
  "use strict";
  var kind = d.getElementById("kind"), reasons = d.getElementById("churn-reasons");
  if (!kind || !reasons) return;

  function sync() {
    var churn = kind.value === "churn_exit";
    reasons.hidden = !churn;
    reasons.disabled = !churn;
  }

  kind.addEventListener("change", sync);
  sync();
})(document);
