/* Live preview on a survey's page and on a question's page: what is typed in the form (saved or
 * not) is sent to the server, which answers the survey's JSON exactly as the widget would receive
 * it; each preview frame (desktop and phone width) then opens the real widget UI with it. */
(function (d) {
  "use strict";
  var form = d.querySelector("form[data-preview-url]");
  if (!form) return;
  var frames = Array.prototype.slice.call(d.querySelectorAll("iframe.preview-frame"));
  var picker = d.getElementById("preview-locale");
  var timer = null, latest = 0;

  function show(frame, survey) {
    var before = d.activeElement;
    frame.contentWindow.feedbackLoopPreview(survey);
    // The widget focuses its first control; typing in the form must go on where it was.
    if (before && before !== d.body && before.focus) before.focus();
  }

  function whenLoaded(frame, then) {
    var ready = frame.contentWindow && frame.contentWindow.feedbackLoopPreview;
    if (ready) then();
    else frame.addEventListener("load", then, {once: true});
  }

  function syncLocales(locales) {
    var current = picker.value;
    picker.textContent = "";
    locales.forEach(function (locale) {
      var option = d.createElement("option");
      option.textContent = locale;
      picker.appendChild(option);
    });
    if (locales.indexOf(current) >= 0) picker.value = current;
  }

  function render() {
    var body = new FormData(form), mine = ++latest;
    body.set("preview_locale", picker.value);
    fetch(form.getAttribute("data-preview-url"), {method: "POST", body: body, credentials: "same-origin",
      headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("preview answered " + r.status); return r.json(); })
      .then(function (data) {
        if (mine !== latest) return;  // a newer edit is on its way
        syncLocales(data.locales);
        frames.forEach(function (frame) { whenLoaded(frame, function () { show(frame, data.survey); }); });
        form.setAttribute("data-previewed", String(mine));
      })
      .catch(function (error) { if (window.console) console.warn("preview:", error.message); });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  picker.addEventListener("change", render);
  render();
})(document);
