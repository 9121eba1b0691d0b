/* The page inside a survey's preview frame: opens the real widget UI (widget-ui-1.js) with the
 * JSON the survey page sends, answering its calls itself so that nothing is recorded. */
(function (w, d) {
  "use strict";
  function post(path) {
    return Promise.resolve(/\/displays$/.test(path) ? {display_id: null} : {status: "received", preview: true});
  }

  w.feedbackLoopPreview = function (survey) {
    Array.prototype.forEach.call(d.querySelectorAll("[data-feedback-loop]"), function (node) { node.remove(); });
    w.feedbackLoopUI.open({survey: survey, post: post, visitor: "preview"});
  };
})(window, document);
