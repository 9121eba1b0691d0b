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
    ".scale button:hover,.opt:hover,.opt[aria-pressed=true]{background:var(--fl);color:#fff}" +
    ".scale button:focus,.opt:focus,.opt[aria-pressed=true]{outline:2px solid var(--fl);outline-offset:1px}" +
    ".ends{display:flex;justify-content:space-between;font-size:12px;color:#6b7280;margin-top:4px}" +
    "label{display:block;margin:10px 0 4px}textarea,input[type=text]{width:100%;border:1px solid #d1d5db;border-radius:6px;padding:6px}" +
    ".send{margin-top:10px;background:var(--fl);color:#fff;border:0;border-radius:6px;padding:8px 16px;cursor:pointer}" +
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

    function screen(title) {
      box.textContent = "";
      var x = el("button", {"class": "x", type: "button", "aria-label": t.close || "Close"}, "\u00d7");
      x.onclick = function () { close(true); };
      box.appendChild(x);
      box.appendChild(el("h2", {id: "fl-title", tabindex: "-1"}, title));
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
      screen(s.kind === "custom" ? (t.question || s.name) : why(first));
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
        send({comment: comment ? comment.value : null, kept: kept ? kept.value : null, answers: answers,
          website: hp.value}).then(thanks, fail);
      };
      box.appendChild(go);
      (comment || go).focus();
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

    function ask(input) {
      var old = box.querySelector(".err");
      if (old) old.remove();
      var p = el("p", {"class": "err", role: "alert"}, t.required || "Please answer this question.");
      input.wrap.appendChild(p);
      var first = input.wrap.querySelector("button,textarea");
      if (first) first.focus();
    }

    function question(q, changed) {
      var wrap = el("fieldset", {style: "border:0;padding:0;margin:8px 0"});
      wrap.appendChild(el("legend", {}, q.prompt));
      box.appendChild(wrap);
      if (q.kind === "text") {
        var ta = el("textarea", {rows: "2", "aria-label": q.prompt});
        wrap.appendChild(ta);
        return input(function () { return ta.value.trim() || null; }, function () { return []; });
      }
      var values = q.choices || [];
      if (!q.choices) for (var v = q.min; v <= q.max; v++) values.push(String(v));
      var picked = [];
      values.forEach(function (label, i) {
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
      if (!q.choices && (q.low_label || q.high_label)) {
        // A scale question's end labels, in the visitor's language (the server falls back to the default one).
        var ends = el("div", {"class": "ends", "aria-hidden": "true"});
        ends.appendChild(el("span", {}, q.low_label || ""));
        ends.appendChild(el("span", {}, q.high_label || ""));
        wrap.appendChild(ends);
        var buttons = wrap.querySelectorAll("button");
        if (q.low_label) buttons[0].setAttribute("aria-label", values[0] + " – " + q.low_label);
        if (q.high_label) buttons[buttons.length - 1].setAttribute("aria-label", values[values.length - 1] + " – " + q.high_label);
      }
      return input(function () {
        if (!picked.length) return null;
        if (q.multiple) return picked;
        return q.choices ? picked[0] : q.min + picked[0];
      }, function () { return picked; });

      function input(value, choices) {
        value.wrap = wrap;
        value.required = q.required;
        value.picked = choices;
        return value;
      }
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
