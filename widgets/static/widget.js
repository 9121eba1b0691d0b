/* feedback-loop widget loader: one <script src=".../w/widget.js" data-workspace="PUBLIC_KEY" async>.
 * Small on purpose: it asks the server which survey (if any) this visitor should see, watches
 * the triggers, and only then loads the survey UI (widget-ui-1.js).
 * API: feedbackLoop.identify({id, email, name, locale, properties, user_hash}),
 *      feedbackLoop.track("clicked_cancel"), feedbackLoop.show("SURVEY_TOKEN").
 * Calls made before the script loaded: (window.feedbackLoopQueue = window.feedbackLoopQueue || []).push(["identify", {...}]). */
(function (w, d) {
  "use strict";
  if (w.feedbackLoop && w.feedbackLoop.version) return;
  var script = d.currentScript || d.querySelector("script[data-workspace]");
  var key = script.getAttribute("data-workspace");
  var base = script.src.replace(/\/w\/widget\.js(\?.*)?$/, "");
  var api = base + "/w/api/" + encodeURIComponent(key);
  var identity = null, surveys = [], shown = false, timers = [], seq = 0;
  var visitor;
  try {
    visitor = localStorage.getItem("feedbackLoop.visitor");
    if (!visitor) {
      visitor = ("v" + Math.random().toString(36).slice(2) + Date.now().toString(36)).slice(0, 40);
      localStorage.setItem("feedbackLoop.visitor", visitor);
    }
  } catch (e) {
    visitor = "v" + Math.random().toString(36).slice(2, 14) + "tmp";
  }

  function post(path, body) {
    body.visitor_id = visitor;
    body.identity = identity;
    body.language = navigator.language;
    return fetch(api + path, {method: "POST", mode: "cors", credentials: "omit", keepalive: true,
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) {
        return r.json().then(function (data) { if (!r.ok) throw data; return data; });
      });
  }

  // A pattern is matched against the page's path only (location.pathname: no query, no fragment),
  // from its first character to its last. "*" matches any run of characters; everything else is
  // literal. Matched without a RegExp, so no pattern can make it slow. No pattern matches nothing.
  function pathMatches(pattern) {
    if (typeof pattern !== "string" || !pattern) return false;
    var path = location.pathname, parts = pattern.split("*"), last = parts.pop();
    if (!parts.length) return path === last;
    var at = parts[0].length;
    if (path.slice(0, at) !== parts[0]) return false;
    for (var i = 1; i < parts.length; i++) {
      at = path.indexOf(parts[i], at);
      if (at < 0) return false;
      at += parts[i].length;
    }
    return path.length - last.length >= at && path.slice(path.length - last.length) === last;
  }

  // page_load and event triggers may name a path too; without one they apply on every page.
  function pathAllowed(t) {
    return !t.url || pathMatches(t.url);
  }

  function clearTimers() {
    timers.forEach(clearTimeout);
    timers = [];
  }

  function open(survey) {
    if (shown) return;
    shown = true;
    clearTimers();
    var ctx = {survey: survey, post: post, visitor: visitor};
    if (w.feedbackLoopUI) return w.feedbackLoopUI.open(ctx);
    var ui = d.createElement("script");
    ui.src = base + "/w/static/widget-ui-1.js";
    ui.async = true;
    ui.onload = function () { w.feedbackLoopUI.open(ctx); };
    d.head.appendChild(ui);
  }

  function arm() {
    clearTimers();
    surveys.forEach(function (s) {
      var t = s.trigger || {};
      // A URL trigger shows only where its pattern matches: a missing one once matched every page,
      // and the display there used up the visitor's recontact window for every other survey.
      if ((t.type === "page_load" && pathAllowed(t)) || (t.type === "url" && pathMatches(t.url))) {
        timers.push(setTimeout(function () { open(s); }, 1000 * (t.delay_seconds || 0)));
      }
    });
  }

  function load() {
    var mine = ++seq;
    return post("/config", {url: location.href}).then(function (data) {
      if (mine !== seq) return;  // a newer identify() superseded this answer
      surveys = data.surveys || [];
      if (!shown) arm();
    }, function (error) {
      if (!w.console) return;
      // A page whose origin the workspace does not allow gets no CORS header, so the browser reports only
      // "Failed to fetch": say what to check (the same when the server cannot be reached).
      if (error instanceof TypeError) {
        console.warn("feedback-loop: could not reach " + base + " from " + location.origin + ". Is " +
          location.origin + " among the workspace's allowed origins (Settings > Origins allowed to embed the widget)?");
      } else {
        console.warn("feedback-loop:", (error && error.message) || error);
      }
    });
  }

  var loop = {
    version: 1,
    identify: function (person) {
      identity = person || null;
      return load();
    },
    track: function (name) {
      surveys.forEach(function (s) {
        var t = s.trigger || {};
        if (t.type === "event" && t.event === name && pathAllowed(t)) open(s);
      });
    },
    show: function (token) {
      surveys.forEach(function (s) { if (s.token === token) open(s); });
    }
  };
  w.feedbackLoop = loop;
  var queued = w.feedbackLoopQueue || [];
  queued.forEach(function (call) { if (call[0] === "identify") identity = call[1]; });
  w.feedbackLoopQueue = {push: function (call) { loop[call[0]].apply(loop, call.slice(1)); }};
  w.addEventListener("popstate", function () { if (!shown) arm(); });
  w.addEventListener("hashchange", function () { if (!shown) arm(); });
  load().then(function () {
    queued.forEach(function (call) { if (call[0] !== "identify") loop[call[0]].apply(loop, call.slice(1)); });
    try { w.dispatchEvent(new CustomEvent("feedbackloop:ready")); } catch (e) { /* very old browsers */ }
  });
})(window, document);
