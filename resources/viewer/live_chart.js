/* GeoTwin web viewer: a sensor's chart drawn live from its SensorThings Datastream.
 * Loaded before viewer.js, which calls window.GeoTwinLiveChart(ui) once and then
 * liveChart.element(link, series, name, unit) in a sensor's info box and liveChart.refresh() with
 * every sensor refresh. The chart asks the Datastream for its Observations, newest first
 * (Datastreams(id)/Observations?$orderby=phenomenonTime desc&$top=...&$select=phenomenonTime,result),
 * follows @iot.nextLink on the same host only and within a limit, and keeps the last 24 hours or
 * 7 days up to the newest value (a stale sensor still shows its last day, marked stale). When the
 * server cannot be reached it keeps the values it loaded before, else draws the exported series.json,
 * and says so.
 * State for tests: window.geotwin.liveChart (loads, errors, source, points, latest, hours, note). */
(function () {
  "use strict";

  var PAGE_SIZE = 1000;      // $top asked for; servers may send fewer per page (their maxTop)
  var MAX_PAGES = 25;        // pages followed per load at most
  var MAX_POINTS = 20000;    // values kept per load at most
  var TIMEOUT_MS = 20000;    // per page
  var SPANS = [24, 168];     // the switch: hours
  var STRINGS = {
    en: {
      span: "Time span", h24: "24 h", h168: "7 days", loading: "Loading values from SensorThings\u2026",
      latest: "Latest: {value},", staleAge: "stale: {age}",
      live: "{n} values from SensorThings, loaded at {time}", liveNone: "SensorThings has no values in this time span",
      limit: "only the newest {n} values (the load limit)",
      foreignNext: "the next page is on another host ({host}): not followed",
      notNumbers: "{n} values without a number or a time are not drawn",
      fallback: "SensorThings server not reachable ({error}): showing the exported series",
      fallbackKept: "SensorThings server not reachable ({error}): showing the values loaded at {time}",
      fallbackNone: "SensorThings server not reachable ({error}); no exported series for this sensor"
    },
    de: {
      span: "Zeitraum", h24: "24 h", h168: "7 Tage", loading: "Werte werden von SensorThings geladen\u2026",
      latest: "Neuester Wert: {value},", staleAge: "veraltet: {age}",
      live: "{n} Werte von SensorThings, geladen um {time}", liveNone: "SensorThings hat keine Werte in diesem Zeitraum",
      limit: "nur die neuesten {n} Werte (Ladegrenze)",
      foreignNext: "die n\u00e4chste Seite liegt auf einem anderen Host ({host}): nicht abgerufen",
      notNumbers: "{n} Werte ohne Zahl oder Zeit werden nicht gezeichnet",
      fallback: "SensorThings-Server nicht erreichbar ({error}): die exportierte Zeitreihe wird gezeigt",
      fallbackKept: "SensorThings-Server nicht erreichbar ({error}): die um {time} geladenen Werte werden gezeigt",
      fallbackNone: "SensorThings-Server nicht erreichbar ({error}); keine exportierte Zeitreihe f\u00fcr diesen Sensor"
    }
  };

  // The Observations of a Datastream self link (or of a link to its Observations), newest first.
  function observationsUrl(link) {
    var base = link.replace(/[?#].*$/, "").replace(/\/+$/, "");
    if (!/\/Observations$/.test(base)) { base += "/Observations"; }
    return base + "?$orderby=phenomenonTime%20desc&$top=" + PAGE_SIZE + "&$select=phenomenonTime,result";
  }

  function withTimeout(url) {
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, TIMEOUT_MS);
    // "same-origin": the page's cookies or login never go to another host (the default, said aloud)
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
                        signal: abort.signal })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .catch(function (err) {
        throw err && err.name === "AbortError" ? new Error("no answer in " + TIMEOUT_MS / 1000 + " s") : err;
      })
      .finally(function () { clearTimeout(timer); });
  }

  // Pages of Observations until one is older than the span before the newest value, the server has
  // no more, or the limit is reached. Resolves {points: [[ms, value, time]] ascending, latest, ...}.
  function loadSpan(link, hours, parseTime) {
    var first = observationsUrl(link);
    var origin = new URL(first, location.href).origin;
    var out = { points: [], latest: null, notNumbers: 0, truncated: false, foreignHost: null, pages: 0 };
    var start = null;
    function page(url) {
      return withTimeout(url).then(function (body) {
        if (!body || !Array.isArray(body.value)) { throw new Error("not a SensorThings collection"); }
        out.pages++;
        for (var i = 0; i < body.value.length; i++) {
          var obs = body.value[i];
          var date = parseTime(obs.phenomenonTime);
          if (!date) { out.notNumbers++; continue; }
          if (start === null) {
            out.latest = { time: obs.phenomenonTime, date: date, result: obs.result };
            start = date.getTime() - hours * 3600000;
          }
          if (date.getTime() < start) { return out; }
          var v = typeof obs.result === "number" ? obs.result :
            typeof obs.result === "string" && /^-?\d+(\.\d+)?$/.test(obs.result) ? Number(obs.result) : NaN;
          if (isFinite(v)) { out.points.push([date.getTime(), v, obs.phenomenonTime]); } else { out.notNumbers++; }
        }
        var next = body["@iot.nextLink"];
        if (typeof next !== "string" || !next) { return out; }
        var nextUrl = new URL(next, url);
        if (nextUrl.origin !== origin) { out.foreignHost = nextUrl.host; return out; }
        if (out.pages >= MAX_PAGES || out.points.length >= MAX_POINTS) { out.truncated = true; return out; }
        return page(nextUrl.toString());
      });
    }
    return page(first).then(function (result) {
      result.points.reverse();
      return result;
    });
  }

  window.GeoTwinLiveChart = function (ui) {
    var config = ui.config;
    var stats = ui.state.liveChart = { loads: 0, errors: 0, source: null, points: 0, latest: null, hours: SPANS[0],
                                      note: "" };
    var hours = SPANS[0];     // the switch, kept from sensor to sensor
    var cache = {};           // link + " " + hours -> {result, loadedAt} or {error}
    var inFlight = {};        // the same key: a pending load
    var current = null;       // the chart in the open info box: {root, link, series, name, unit}
    var refreshMs = Math.max(config.sensorRefreshSeconds || 0, 1) * 1000;

    function tr(key, values) {
      var lang = ui.lang();
      var text = (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key;
      return text.replace(/\{(\w+)\}/g, function (m, name) { return values && name in values ? values[name] : m; });
    }
    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) { node.className = className; }
      if (text !== undefined) { node.textContent = text; }
      return node;
    }
    function unitOf(chart) {
      var u = chart.unit !== undefined && chart.unit !== null && String(chart.unit).trim() !== "" ? chart.unit :
        chart.series && chart.series.unit;
      return u === undefined || u === null ? "" : String(u).trim();
    }
    function withUnit(value, unit) {
      var shown = typeof value === "number" ? ui.formatNumber(value) : String(value);
      return shown + (unit === "" || unit === "1" ? "" : "\u00a0" + unit);
    }

    // The switch: 24 h / 7 days (aria-pressed marks the chosen one), built once per info box.
    function spanSwitch(chart) {
      var group = el("div", "live-chart-switch");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", tr("span"));
      SPANS.forEach(function (h) {
        var button = el("button", null, tr("h" + h));
        button.type = "button";
        button.dataset.hours = String(h);
        button.setAttribute("aria-pressed", String(h === hours));
        button.addEventListener("click", function () {
          if (h === hours) { return; }
          hours = stats.hours = h;
          Array.prototype.forEach.call(group.children, function (b) {
            b.setAttribute("aria-pressed", String(b.dataset.hours === String(h)));
          });
          show(chart);
          if (needsLoad(chart)) { load(chart); }
        });
        group.appendChild(button);
      });
      return group;
    }

    function latestParagraph(latest, unit) {
      var p = el("p", "live-chart-latest");
      p.appendChild(document.createTextNode(tr("latest", { value: withUnit(latest.result, unit) }) + " "));
      p.appendChild(ui.timeElement(latest.date));
      if (ui.isStale(latest.date)) {
        p.appendChild(el("strong", "stale", " " + tr("staleAge", { age: ui.formatAge(Date.now() - latest.date.getTime()) })));
        p.dataset.stale = "true";
      }
      return p;
    }

    function figureOf(points, chart, unit) {
      var series = { t: points.map(function (p) { return p[2]; }), v: points.map(function (p) { return p[1]; }),
                     unit: unit, property: chart.series && chart.series.property || chart.name };
      return ui.chart(series, chart.name);
    }

    // Draw what is known for the chart's link and span: live values, else the fallback, else "loading".
    function show(chart) {
      var root = chart.body;
      var unit = unitOf(chart);
      var entry = cache[chart.link + " " + hours];
      var notes = [];
      var live = entry && (entry.result ? entry : entry.kept);  // {result, loadedAt}
      // nothing new (a refresh with the same values): the drawing stays, hover and focus with it
      var r = live && live.result;
      var signature = [hours, ui.lang(), entry ? entry.error || "ok" : "none", live ? ui.formatTime(live.loadedAt, true) : "",
                       r ? [r.points.length, r.points.length && r.points[0][2], r.latest && r.latest.time,
                            r.latest && r.latest.result, r.truncated, r.foreignHost, r.notNumbers].join(",") : ""].join("|");
      if (chart.signature === signature) { return; }
      chart.signature = signature;
      root.textContent = "";
      chart.root.dataset.hours = String(hours);
      if (entry && entry.error) {
        var error = entry.error;
        if (live) {  // values loaded earlier in this page: newer than the export
          chart.root.dataset.source = "sta-kept";
          notes.push(tr("fallbackKept", { error: error, time: ui.formatTime(entry.kept.loadedAt, true) }));
        } else if (chart.series && chart.series.t && chart.series.t.length) {
          chart.root.dataset.source = "series";
          root.appendChild(ui.chart(chart.series, chart.name));
          notes.push(tr("fallback", { error: error }));
        } else {
          chart.root.dataset.source = "none";
          notes.push(tr("fallbackNone", { error: error }));
        }
        chart.root.dataset.state = "fallback";
      } else if (!entry) {
        chart.root.dataset.state = "loading";
        chart.root.dataset.source = "none";
        notes.push(tr("loading"));
      } else {
        chart.root.dataset.state = "live";
        chart.root.dataset.source = "sta";
      }
      if (live && chart.root.dataset.source !== "series") {
        var result = live.result;
        if (result.points.length) { root.appendChild(figureOf(result.points, chart, unit)); }
        if (result.latest) { root.appendChild(latestParagraph(result.latest, unit)); }
        if (chart.root.dataset.state === "live") {
          notes.push(result.points.length ? tr("live", { n: ui.formatNumber(result.points.length),
                                                         time: ui.formatTime(live.loadedAt, true) }) : tr("liveNone"));
        }
        if (result.truncated) { notes.push(tr("limit", { n: ui.formatNumber(result.points.length) })); }
        if (result.foreignHost) { notes.push(tr("foreignNext", { host: result.foreignHost })); }
        if (result.notNumbers) { notes.push(tr("notNumbers", { n: ui.formatNumber(result.notNumbers) })); }
      }
      var note = el("p", "live-chart-note", notes.join("; "));
      note.setAttribute("role", "status");
      root.appendChild(note);
      stats.source = chart.root.dataset.source;
      stats.note = note.textContent;
      stats.points = root.querySelectorAll(".chart circle").length;
      stats.latest = live && live.result.latest ? live.result.latest.result : null;
    }

    // Nothing loaded for the chart's span, or not since a refresh interval (a failed load is retried).
    function needsLoad(chart) {
      var entry = cache[chart.link + " " + hours];
      return !entry || !entry.loadedAt || Date.now() - entry.loadedAt.getTime() >= refreshMs;
    }

    // Load the chart's span (once at a time per link and span) and redraw it if it is still shown.
    function load(chart) {
      var key = chart.link + " " + hours;
      if (inFlight[key]) { return inFlight[key]; }
      var job = loadSpan(chart.link, hours, ui.parseTime).then(function (result) {
        cache[key] = { result: result, loadedAt: new Date() };
        stats.loads++;
      }, function (err) {
        var before = cache[key];
        var kept = before && (before.result ? before : before.kept);
        cache[key] = { error: err && err.message ? err.message : String(err), kept: kept || null };
        stats.errors++;
        console.warn("GeoTwin viewer: chart of " + chart.link + " not loaded from SensorThings: " + cache[key].error);
      }).then(function () {
        delete inFlight[key];
        if (current === chart && chart.root.isConnected) { show(chart); }
      });
      inFlight[key] = job;
      return job;
    }

    return {
      // The chart element of a sensor's info box: drawn from what is loaded, loaded if older than a refresh.
      element: function (link, series, name, unit) {
        var root = el("section", "live-chart");
        root.setAttribute("aria-label", tr("span"));
        current = { root: root, body: el("div", "live-chart-body"), link: link, series: series || null, name: name,
                    unit: unit, signature: null };
        root.appendChild(spanSwitch(current));
        root.appendChild(current.body);
        show(current);
        if (needsLoad(current)) { load(current); }
        return root;
      },
      // With every sensor refresh: reload the chart that is shown (nothing when the info box is closed).
      refresh: function () {
        if (!current || !current.root.isConnected) { return Promise.resolve(); }
        return load(current);
      }
    };
  };
}());
