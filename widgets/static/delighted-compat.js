/* Delighted's web snippet, answered by feedback-loop. A site keeps Delighted's snippet and changes two
 * things: the library URL (https://APP/w/delighted/v1/library/) and the token (the workspace's public
 * widget key). The snippet defines a queue stub (window.delighted, or the name it passes) and loads
 * /w/delighted/v1/library/KEY/NAME.js: this file, served with its settings filled in. It replaces the
 * stub with a real delighted.survey() that shows the workspace's Delighted survey (its first active NPS
 * survey) through the feedback-loop widget (widget.js, feedbackLoop.identify and .show).
 *
 * delighted.survey({email, name, createdAt, properties, initialDelay, minTimeOnPage, recurringPeriod,
 * forceDisplay}); properties.locale picks the language, properties.questionProductName names the product
 * in the question (the widget API does it), the other properties are the person's.
 * - initialDelay: seconds after createdAt (ISO 8601) before the first survey; without createdAt, none.
 * - minTimeOnPage: seconds the visitor has been on the page before the survey shows.
 * - recurringPeriod: seconds before this browser shows the survey again to the same email;
 *   false: only once. The server's recontact window applies on top, to every browser.
 * - forceDisplay: true skips the three checks above (not the server's recontact window).
 * Delighted's other stub methods (reset, config, identify, track...) do nothing here. */
(function (w, d, settings) {
  "use strict";
  var name = settings.name, stub = w[name];
  if (!name || (stub && stub.feedbackLoop)) return;
  var me = d.currentScript;
  var base = me ? me.src.replace(/\/w\/delighted\/v1\/library\/.*$/, "") : "";
  var pageStart = w.performance && performance.timeOrigin ? performance.timeOrigin : Date.now();
  var timer = null;

  function warn(message) {
    if (w.console) console.warn("feedback-loop (Delighted snippet): " + message);
  }

  function seconds(value) {
    return typeof value === "number" && isFinite(value) && value >= 0 ? value : null;
  }

  // When this browser last showed the survey to this email (or to this anonymous visitor).
  function shownKey(email) {
    return "feedbackLoop.delighted." + settings.key + "." + (email || "");
  }

  function lastShown(email) {
    try { return Number(w.localStorage.getItem(shownKey(email))) || 0; } catch (e) { return 0; }
  }

  function noteShown(email) {
    try { w.localStorage.setItem(shownKey(email), String(Date.now())); } catch (e) { /* private mode */ }
  }

  function identity(options) {
    var person = {properties: {}}, given = options.properties || {};
    for (var key in given) {
      if (!Object.prototype.hasOwnProperty.call(given, key)) continue;
      if (key === "locale") person.locale = String(given[key]);
      else person.properties[key] = given[key];
    }
    if (options.email) person.email = String(options.email);
    if (options.name) person.name = String(options.name);
    return person;
  }

  // The widget adds <div data-feedback-loop="TOKEN"> when it shows a survey: that is when it counts.
  function watchDisplay(email) {
    var selector = '[data-feedback-loop="' + settings.survey + '"]';
    var observer = new MutationObserver(function () {
      if (d.querySelector(selector)) {
        noteShown(email);
        observer.disconnect();
      }
    });
    observer.observe(d.body, {childList: true});
  }

  function show(options) {
    var person = identity(options);
    watchDisplay(options.email);
    var loop = w.feedbackLoop;
    if (loop && loop.version) {  // a later survey() call: ask again for this person
      loop.identify(person).then(function () { loop.show(settings.survey); });
      return;
    }
    var queue = w.feedbackLoopQueue = w.feedbackLoopQueue || [];
    queue.push(["identify", person], ["show", settings.survey]);
    if (d.querySelector("script[data-feedback-loop-compat]")) return;  // widget.js is on its way
    var script = d.createElement("script");
    script.src = base + "/w/widget.js";
    script.async = true;
    script.setAttribute("data-workspace", settings.key);
    script.setAttribute("data-feedback-loop-compat", "");
    d.head.appendChild(script);
  }

  function survey(options) {
    options = options || {};
    if (!settings.survey) return warn("this workspace has no active NPS survey offered on the widget");
    var now = Date.now(), wait = 0;
    if (options.forceDisplay !== true) {
      if (options.createdAt != null) {
        var created = Date.parse(options.createdAt);
        if (isNaN(created)) warn("createdAt is not an ISO 8601 time; ignored");
        else if (now < created + 1000 * (seconds(options.initialDelay) || 0)) return;  // too new to ask yet
      }
      var last = lastShown(options.email), period = options.recurringPeriod;
      if (last && (period === false || (seconds(period) !== null && now - last < 1000 * period))) return;
      wait = Math.max(0, 1000 * (seconds(options.minTimeOnPage) || 0) - (now - pageStart));
    }
    clearTimeout(timer);  // the latest call decides, as on Delighted
    timer = setTimeout(function () {
      // A snippet in <head> can get here before <body> exists, and the widget is added to it.
      if (d.body) show(options);
      else d.addEventListener("DOMContentLoaded", function () { show(options); });
    }, wait);
  }

  var api = {feedbackLoop: true, survey: survey, SNIPPET_VERSION: stub && stub.SNIPPET_VERSION};
  ["reset", "config", "init", "set", "get", "event", "identify", "track", "page", "screen", "group", "alias"]
    .forEach(function (method) { api[method] = function () {}; });
  var queued = stub && stub.length ? Array.prototype.slice.call(stub) : [];
  w[name] = api;
  queued.forEach(function (call) {
    if (call && typeof api[call[0]] === "function") api[call[0]].apply(api, call[1] || []);
  });
})(window, document, /*SETTINGS*/{});
