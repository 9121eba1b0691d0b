/* feedback-loop survey UI, loaded by widget.js only when a survey is due.
 * Shadow DOM rather than an iframe: the host page's styles cannot leak in (":host{all:initial}"),
 * there is no second document to load on a phone, and focus and screen readers stay in the
 * page's own flow; the data shown is the visitor's own, so script isolation buys nothing here.
 * Every customer or survey text is set with textContent, never parsed as HTML. */
(function (w, d) {
  "use strict";
  var CSS = ":host{all:initial}*{box-sizing:border-box;font:15px/1.4 system-ui,sans-serif}" +
    ".box{position:fixed;z-index:2147483000;right:12px;bottom:12px;width:min(380px,calc(100vw - 24px));" +
    "background:#fff;color:#1f2937;border-radius:10px;box-shadow:0 8px 30px rgba(0,0,0,.25);padding:16px;" +
    "border-top:4px solid var(--fl)}h2{margin:0 28px 10px 0;font-weight:600}" +
    ".x{position:absolute;top:8px;right:8px;border:0;background:none;font-size:20px;cursor:pointer;color:#6b7280}" +
    // The buttons of a scale share one row (0-10 included, on a 320 px phone): a basis of 0 and no minimum width
    // let them shrink below "10" plus a button's padding, which pushed the last one onto a row of its own.
    ".scale{display:flex;gap:3px}.scale button{flex:1 1 0;min-width:0;padding:0}" +
    ".scale button,.opt{min-height:36px;border:1px solid #d1d5db;" +
    "background:#f9fafb;border-radius:6px;cursor:pointer}.opt{display:block;width:100%;text-align:left;padding:6px 10px;margin:3px 0}" +
    // Focus (the first button is focused when the survey opens) is a ring; only hover and a choice fill the button,
    // so an untouched scale never looks as if its first score were picked.
    ".scale button:hover,.opt:hover,.opt[aria-pressed=true]{background:var(--fl);color:var(--fl-on)}" +
    ".scale button:focus,.opt:focus,.opt[aria-pressed=true]{outline:2px solid var(--fl);outline-offset:1px}" +
    // A scale question's numbers are radios: hovering one outlines it, only the picked one is filled.
    ".radios button:hover{background:#f9fafb;color:inherit;border-color:var(--fl)}" +
    ".radios button[aria-checked=true]{background:var(--fl);color:var(--fl-on);border-color:var(--fl)}" +
    // Long end labels wrap within their half, the high one flush with the last number.
    ".ends{display:flex;justify-content:space-between;gap:12px;font-size:12px;color:#6b7280;margin-top:4px}" +
    ".ends span{max-width:48%}.ends span+span{text-align:right}" +
    // Without a title the first question's prompt is the top line: it must not run under the close button.
    ".x+fieldset legend{padding-right:28px}" +
    "label{display:block;margin:10px 0 4px}textarea,input[type=text]{width:100%;border:1px solid #d1d5db;border-radius:6px;padding:6px}" +
    ".send{margin-top:10px;background:var(--fl);color:var(--fl-on);border:0;border-radius:6px;padding:8px 16px;cursor:pointer}" +
    ".err{color:#b91c1c}.hp{position:absolute;left:-9999px}";

  function el(tag, attrs, text) {
    var node = d.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function newKey() {
    var a = new Uint8Array(16);
    (w.crypto || w.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function open(ctx) {
    var s = ctx.survey, t = s.texts, answer = {submission_key: newKey(), display_id: null, website: ""};
    var before = d.activeElement, host = el("div", {"data-feedback-loop": s.token});
    var root = host.attachShadow({mode: "open"});
    var style = el("style", {}, CSS);
    var box = el("div", {"class": "box", role: "dialog", "aria-modal": "false", "aria-labelledby": "fl-title"});
    box.style.setProperty("--fl", s.theme_color);
    box.style.setProperty("--fl-on", s.theme_text_color || "#fff");  // white or black, whichever reads on the colour
    root.appendChild(style);
    root.appendChild(box);
    d.body.appendChild(host);
    var shown = ctx.post("/surveys/" + s.token + "/displays", {url: location.href}).then(function (r) {
      answer.display_id = r.display_id;
    }, function () {});

    function close(dismissed) {
      if (dismissed && !answer.sent) {
        // Escape can come before the display is acknowledged: dismiss once its id is known.
        shown.then(function () {
          if (answer.display_id) ctx.post("/displays/" + answer.display_id + "/dismiss", {});
        });
      }
      host.remove();
      if (before && before.focus) before.focus();
    }

    function send(extra) {
      Object.keys(extra).forEach(function (k) { answer[k] = extra[k]; });
      answer.sent = true;
      // After the display is acknowledged, so that the answer can close it as "answered".
      return shown.then(function () { return post(); });
    }

    function post() {
      var body = {};
      ["submission_key", "display_id", "website", "score", "churn_reason", "comment", "kept", "answers"]
        .forEach(function (k) { if (answer[k] != null) body[k] = answer[k]; });
      // Retried with the same submission key: the server updates one response, never two.
      var tries = 0;
      function attempt() {
        return ctx.post("/surveys/" + s.token + "/responses", body).catch(function (e) {
          if (e && e.error) throw e;
          if (++tries < 3) return new Promise(function (ok) { setTimeout(ok, 500 * tries); }).then(attempt);
          throw e;
        });
      }
      return attempt();
    }

    // A screen without a title (a custom survey whose title is empty) has no heading: its first question's
    // prompt, the first thing the visitor reads, labels the dialog instead (see details()).
    function screen(title) {
      box.textContent = "";
      var x = el("button", {"class": "x", type: "button", "aria-label": t.close || "Close"}, "\u00d7");
      x.onclick = function () { close(true); };
      box.appendChild(x);
      if (title) box.appendChild(el("h2", {id: "fl-title", tabindex: "-1"}, title));
      box.setAttribute("aria-labelledby", "fl-title");
    }

    function roving(group) {
      group.addEventListener("keydown", function (e) {
        var items = Array.prototype.slice.call(group.querySelectorAll("button"));
        var i = items.indexOf(root.activeElement), step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[e.key];
        if (step == null || i < 0) return;
        e.preventDefault();
        items[(i + step + items.length) % items.length].focus();
      });
    }

    function scale() {
      screen(t.question);
      var group = el("div", {"class": "scale", role: "group", "aria-labelledby": "fl-title"});
      for (var v = s.scale.min; v <= s.scale.max; v++) {
        var label = v + (v === s.scale.min && t.low_label ? " – " + t.low_label : "") +
          (v === s.scale.max && t.high_label ? " – " + t.high_label : "");
        var b = el("button", {type: "button", "aria-label": label, "data-score": v}, String(v));
        b.onclick = (function (score) { return function () { pick({score: score}); }; })(v);
        group.appendChild(b);
      }
      roving(group);
      box.appendChild(group);
      var ends = el("div", {"class": "ends", "aria-hidden": "true"});
      ends.appendChild(el("span", {}, t.low_label || ""));
      ends.appendChild(el("span", {}, t.high_label || ""));
      box.appendChild(ends);
      group.firstChild.focus();
    }

    function reasons() {
      screen(t.question);
      var group = el("div", {role: "group", "aria-labelledby": "fl-title"});
      s.churn_reasons.forEach(function (reason) {
        var b = el("button", {type: "button", "class": "opt"}, reason);
        b.onclick = function () { pick({churn_reason: reason}); };
        group.appendChild(b);
      });
      roving(group);
      box.appendChild(group);
      group.firstChild.focus();
    }

    function pick(first) {
      send(first).then(function () { details(first); }, fail);
      details(first);
    }

    function why(first) {
      if (s.kind !== "nps") return t.why;
      return first.score >= 9 ? t.why_promoter : first.score >= 7 ? t.why_passive : t.why_detractor;
    }

    function field(label, node) {
      var id = "fl-" + Math.random().toString(36).slice(2, 8);
      node.id = id;
      box.appendChild(el("label", {"for": id}, label));
      box.appendChild(node);
      return node;
    }

    function details(first) {
      if (box.getAttribute("data-step") === "details") return;
      box.setAttribute("data-step", "details");
      // A custom survey's title is its question text; its name is the team's own and never shown.
      screen(s.kind === "custom" ? t.question : why(first));
      var comment, kept;
      if (s.kind !== "custom") {
        comment = el("textarea", {rows: "3", maxlength: "5000", "aria-labelledby": "fl-title", name: "comment"});
        box.appendChild(comment);
      }
      if (s.kind === "churn_exit") kept = field(t.kept, el("textarea", {rows: "2", maxlength: "5000", name: "kept"}));
      s.questions.forEach(function (q) {
        // Display logic (show_if) is worked out by the server: a score list, or a choice of an earlier question.
        var when = q.show_if;
        if (when && when.scores && when.scores.indexOf(first.score) < 0) return;
        inputs[q.key] = question(q, refresh);
      });
      refresh();
      var legend = box.querySelector("legend");
      if (!box.querySelector("#fl-title") && legend) box.setAttribute("aria-labelledby", legend.id);
      var hp = el("input", {type: "text", "class": "hp", tabindex: "-1", "aria-hidden": "true", autocomplete: "off"});
      box.appendChild(hp);
      var go = el("button", {type: "submit", "class": "send"}, t.send || "Send");
      go.onclick = function () {
        var answers = {};
        var missing = null;
        Object.keys(inputs).forEach(function (k) {
          if (inputs[k].wrap.hidden) return;
          var v = inputs[k]();
          if (v != null) answers[k] = v;
          else if (inputs[k].required && !missing) missing = inputs[k];
        });
        if (missing) return ask(missing);
        // The server refuses an answer with nothing in it; say so here rather than "Sorry, that did not work".
        var first = Object.keys(inputs).filter(function (k) { return !inputs[k].wrap.hidden; })[0];
        if (s.kind === "custom" && !Object.keys(answers).length && first) return ask(inputs[first], t.answer_one);
        send({comment: comment ? comment.value : null, kept: kept ? kept.value : null, answers: answers,
          website: hp.value}).then(thanks, fail);
      };
      box.appendChild(go);
      // A custom survey starts at its first question (a scale's tab stop), not at Send below them all.
      (comment || box.querySelector("fieldset [tabindex='0'],fieldset button,fieldset textarea") || go).focus();
    }

    var inputs = {};  // the details step's questions by key, read by refresh() and ask() too

    function refresh() {
      s.questions.forEach(function (q) {
        var when = q.show_if, input = inputs[q.key], source = when && when.question && inputs[when.question];
        if (!input || !when || !when.question) return;
        input.wrap.hidden = !(source && !source.wrap.hidden && source.picked().some(function (i) {
          return when.choices.indexOf(i) >= 0;
        }));
      });
    }

    function ask(input, text) {
      var old = box.querySelector(".err");
      if (old) old.remove();
      var p = el("p", {"class": "err", role: "alert"}, text || t.required || "Please answer this question.");
      input.wrap.appendChild(p);
      var first = input.wrap.querySelector("button,textarea");
      if (first) first.focus();
    }

    function question(q, changed) {
      var wrap = el("fieldset", {style: "border:0;padding:0;margin:8px 0"});
      var legend = el("legend", {id: "fl-q-" + q.key}, q.prompt);
      wrap.appendChild(legend);
      box.appendChild(wrap);
      var value;
      if (q.kind === "text") {
        var ta = el("textarea", {rows: "2", "aria-label": q.prompt});
        wrap.appendChild(ta);
        value = function () { return ta.value.trim() || null; };
        value.picked = function () { return []; };
      } else {
        value = (q.choices ? choiceButtons : scaleRadios)(q, wrap, changed);
      }
      value.wrap = wrap;
      value.required = q.required;
      return value;
    }

    // Choices are toggle buttons, one under the other: their labels are sentences of any length.
    function choiceButtons(q, wrap, changed) {
      var picked = [];
      q.choices.forEach(function (label, i) {
        var b = el("button", {type: "button", "class": "opt", "aria-pressed": "false"}, label);
        b.onclick = function () {
          var on = b.getAttribute("aria-pressed") !== "true";
          if (!q.multiple) {
            picked = [];
            wrap.querySelectorAll("button").forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
          }
          b.setAttribute("aria-pressed", String(on));
          picked = picked.filter(function (p) { return p !== i; });
          if (on) picked.push(i);
          changed();
        };
        wrap.appendChild(b);
      });
      var value = function () {
        if (!picked.length) return null;
        return q.multiple ? picked : picked[0];
      };
      value.picked = function () { return picked; };
      return value;
    }

    // A scale question (rating 1-N, NPS, CSAT, CES) is one row of numbers, as the first step's scale, with its end
    // labels under its ends. It is a radio group (WAI-ARIA "radio group" pattern): one tab stop, the arrows (and
    // Home, End) move the choice, Space and a click pick; focus is a ring, only the picked number is filled.
    function scaleRadios(q, wrap, changed) {
      var group = el("div", {"class": "scale radios", role: "radiogroup", "aria-labelledby": "fl-q-" + q.key});
      if (q.required) group.setAttribute("aria-required", "true");
      var buttons = [], picked = [];
      for (var v = q.min; v <= q.max; v++) {
        var label = v + (v === q.min && q.low_label ? " – " + q.low_label : "") +
          (v === q.max && q.high_label ? " – " + q.high_label : "");
        buttons.push(el("button", {type: "button", role: "radio", "aria-checked": "false", "aria-label": label,
          tabindex: v === q.min ? "0" : "-1", "data-value": v}, String(v)));
      }
      function choose(i) {
        buttons.forEach(function (b, j) {
          b.setAttribute("aria-checked", String(i === j));
          b.tabIndex = i === j ? 0 : -1;
        });
        picked = [i];
        buttons[i].focus();
        changed();
      }
      buttons.forEach(function (b, i) {
        b.onclick = function () { choose(i); };
        group.appendChild(b);
      });
      group.addEventListener("keydown", function (e) {
        var i = buttons.indexOf(root.activeElement), last = buttons.length - 1;
        var to = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: last}[e.key];
        if (to == null || i < 0) return;
        e.preventDefault();
        choose((to + buttons.length) % buttons.length);
      });
      wrap.appendChild(group);
      if (q.low_label || q.high_label) {
        // In the visitor's language (the server falls back to the default locale's); read out with the end numbers.
        var ends = el("div", {"class": "ends", "aria-hidden": "true"});
        ends.appendChild(el("span", {}, q.low_label || ""));
        ends.appendChild(el("span", {}, q.high_label || ""));
        wrap.appendChild(ends);
      }
      var value = function () { return picked.length ? q.min + picked[0] : null; };
      value.picked = function () { return picked; };
      return value;
    }

    function thanks() {
      screen(t.thanks);
      box.querySelector("h2").focus();
      setTimeout(function () { close(false); }, 3000);
    }

    function fail(error) {
      // The built-in error text is in the visitor's language; the API's own message is English.
      var p = el("p", {"class": "err", role: "alert"}, t.error || (error && error.message) || "Sorry, that did not work.");
      box.appendChild(p);
    }

    box.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); close(true); }
    });
    if (s.kind === "churn_exit") reasons();
    else if (s.kind === "custom") details({});
    else scale();
  }

  w.feedbackLoopUI = {open: open};
})(window, document);
