// Probes of the web map for tests/twin/tiles/test_viewer_a11y_browser.py, evaluated in the page as one
// expression: window.geotwinProbe = {contrast(), focus(), pins(layers), canvasLabels(), pinPixels(colours, ring)}.
// WCAG 2.1: relative luminance and contrast ratio (1.4.3 text, 1.4.11 non-text), computed from the computed styles.
(function () {
  "use strict";
  function parse(css) {
    var m = /rgba?\(([^)]+)\)/.exec(css || "");
    if (!m) { return null; }
    var p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function luminance(c) {
    var f = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function ratio(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function over(top, bottom) {  // top (with alpha) composited over an opaque bottom
    return [0, 1, 2].map(function (i) { return top[i] * top[3] + bottom[i] * (1 - top[3]); }).concat([1]);
  }
  // The colours that can stand behind an element: its own and its ancestors' backgrounds composited; where
  // none is opaque the map shows through, which may be anything from black to white.
  function backgrounds(el) {
    var layers = [];
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
      var c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) { break; }
      }
    }
    var bases = layers.length && layers[layers.length - 1][3] >= 1 ? [layers.pop()] : [[0, 0, 0, 1], [255, 255, 255, 1]];
    return bases.map(function (base) {
      for (var i = layers.length - 1; i >= 0; i--) { base = over(layers[i], base); }
      return base;
    });
  }
  function opacity(el) {
    var o = 1;
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) { o *= Number(getComputedStyle(e).opacity); }
    return o;
  }
  function visible(el) {
    var s = getComputedStyle(el);
    return el.getClientRects().length > 0 && s.visibility !== "hidden" && opacity(el) > 0;
  }
  function name(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  }
  function path(el) {
    var parts = [];
    for (var e = el; e && e !== document.body; e = e.parentElement) { parts.unshift(name(e)); }
    return parts.join(" > ");
  }
  function worst(fg, el) {
    return Math.min.apply(null, backgrounds(el).map(function (bg) { return ratio(over(fg, bg), bg); }));
  }
  // Every visible element with text of its own: its contrast and the ratio it needs (large text: 3).
  function contrast() {
    var out = [];
    Array.prototype.forEach.call(document.body.querySelectorAll("*"), function (el) {
      var own = Array.prototype.some.call(el.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      if (!own || !visible(el) || el.closest("script, style, noscript")) { return; }
      var s = getComputedStyle(el);
      var size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
      var fg = parse(s.color);
      fg[3] *= opacity(el);
      out.push({ element: path(el), text: el.textContent.trim().slice(0, 40), ratio: Math.round(worst(fg, el) * 100) / 100,
                 need: size >= 24 || (bold && size >= 18.66) ? 3 : 4.5, fontSize: size });
    });
    // Non-text: a button's or text box's border against what surrounds it.
    Array.prototype.forEach.call(document.querySelectorAll("button, input"), function (el) {
      if (!visible(el)) { return; }
      var s = getComputedStyle(el);
      if (parseFloat(s.borderTopWidth) > 0) {
        out.push({ element: path(el) + " (border)", text: "", need: 3,
                   ratio: Math.round(worst(parse(s.borderTopColor), el.parentElement) * 100) / 100 });
      }
    });
    return out;
  }
  // The focused element, whether it shows a focus ring (outline of 2 px or more) and that ring's contrast.
  function focus() {
    var el = document.activeElement;
    if (!el || el === document.body) { return { element: "body" }; }
    var s = getComputedStyle(el);
    var width = s.outlineStyle === "none" ? 0 : parseFloat(s.outlineWidth);
    return { element: path(el), id: el.id, tag: el.tagName.toLowerCase(), text: (el.textContent || "").trim().slice(0, 40),
             visible: visible(el), focusVisible: el.matches(":focus-visible"), outlineWidth: width,
             outlineContrast: width ? Math.round(worst(parse(s.outlineColor), el.parentElement || el) * 100) / 100 : 0 };
  }
  // Per overlay layer: its entities, the pins and labels drawn for single entities and the cluster pins
  // (CesiumJS's EntityCluster keeps them in these collections; a clustered entity's own pin is hidden).
  function pins(colors) {
    var viewer = window.geotwin.viewer;
    var camera = viewer.scene.camera.positionWC;
    var key = function (e) {
      var bag = e.properties;
      var n = bag && ["id", "sensor_key"].filter(function (k) { return bag.hasProperty(k); })[0];
      return n ? String(bag[n].getValue(viewer.clock.currentTime)) : e.id;
    };
    var shown = function (collection) {
      var list = [];
      for (var i = 0; collection && i < collection.length; i++) {
        var item = collection.get(i);
        if (item.show && item.clusterShow !== false) { list.push(item); }  // clusterShow false: in a cluster
      }
      return list;
    };
    var inRange = function (label) {  // a label beyond its distance display condition is not drawn
      var d = label.distanceDisplayCondition;
      var far = Cesium.Cartesian3.distance(camera, label.position);
      return !d || (far >= d.near && far <= d.far);
    };
    var out = {};
    for (var i = 0; i < viewer.dataSources.length; i++) {
      var source = viewer.dataSources.get(i), c = source.clustering;
      var color = colors[source.name];
      out[source.name] = {
        entities: source.entities.values.map(key),
        onScreen: source.entities.values.filter(function (e) {
          var p = e.position && Cesium.SceneTransforms.worldToWindowCoordinates(viewer.scene,
            e.position.getValue(viewer.clock.currentTime));
          var canvas = viewer.scene.canvas;
          return p && p.x >= 0 && p.y >= 0 && p.x <= canvas.clientWidth && p.y <= canvas.clientHeight;
        }).map(key),
        pins: shown(c._billboardCollection).map(function (b) { return key(b.id); }),
        labels: shown(c._labelCollection).filter(inRange).map(function (l) { return { id: key(l.id), text: l.text }; }),
        clusters: shown(c._clusterBillboardCollection).map(function (b) {
          return { ids: b.id.map(key), countPin: color ?
            b.image === window.geotwin.pinImage(String(b.id.length), color, 48) : null };
        }),
        clusterLabels: shown(c._clusterLabelCollection).map(function (l) { return l.text; }),
        clusterXY: shown(c._clusterBillboardCollection).map(function (b) {
          var p = Cesium.SceneTransforms.worldToWindowCoordinates(viewer.scene, b.position);
          return p ? { x: p.x, y: p.y, n: b.id.length } : null;
        })
      };
    }
    return out;
  }
  // Every label drawn on the map canvas (a sensor's value): its fill against what it stands on whatever the map
  // shows behind: its background box (composited over white and over black, the worse) or else its outline; the
  // outline's width and the ratio the text needs (WCAG 1.4.3; large: 3).
  function canvasLabels() {
    var viewer = window.geotwin.viewer;
    var camera = viewer.scene.camera.positionWC;
    var rgb = function (c) { return [c.red * 255, c.green * 255, c.blue * 255, c.alpha]; };
    var out = [];
    for (var i = 0; i < viewer.dataSources.length; i++) {
      var collection = viewer.dataSources.get(i).clustering._labelCollection;
      for (var j = 0; collection && j < collection.length; j++) {
        var label = collection.get(j);
        var d = label.distanceDisplayCondition;
        var far = Cesium.Cartesian3.distance(camera, label.position);
        if (!label.show || label.clusterShow === false || (d && (far < d.near || far > d.far))) { continue; }
        var size = parseFloat(/(\d+(\.\d+)?)px/.exec(label.font)[1]);
        var outlined = label.style !== Cesium.LabelStyle.FILL && label.outlineWidth > 0;
        var fill = rgb(label.fillColor), outline = rgb(label.outlineColor), box = rgb(label.backgroundColor);
        var worst = label.showBackground ? Math.min(ratio(over(fill, over(box, [255, 255, 255])), over(box, [255, 255, 255])),
                                                    ratio(over(fill, over(box, [0, 0, 0])), over(box, [0, 0, 0]))) :
          outlined ? ratio(over(fill, outline), outline) : 0;
        out.push({ text: label.text, font: label.font, fill: fill, outline: outline, outlineWidth: label.outlineWidth,
                   style: label.style, showBackground: label.showBackground, background: box,
                   ratio: Math.round(worst * 100) / 100, need: size >= 24 ? 3 : 4.5 });
      }
    }
    return out;
  }
  // The images of the pins and cluster pins drawn now, per layer, read pixel by pixel: how many opaque pixels have
  // each of the layer's colours (colours[layer]: name -> [r, g, b]; a pixel within 10 per channel), how many are
  // an anti-aliased mix of two of them ("blend") and how many neither ("foreign"), how many "fill" pixels touch a (partly) transparent pixel (the background: the ring must part
  // them) and, per colour, how many pixels lie further inside than the ring is wide (the symbol or count).
  function pinPixels(colours, ring) {
    var viewer = window.geotwin.viewer, jobs = [];
    var seen = {};
    for (var i = 0; i < viewer.dataSources.length; i++) {
      var source = viewer.dataSources.get(i), c = source.clustering;
      [[c._billboardCollection, false], [c._clusterBillboardCollection, true]].forEach(function (pair) {
        for (var j = 0; pair[0] && j < pair[0].length; j++) {
          var b = pair[0].get(j);
          if (!b.show || b.clusterShow === false || typeof b.image !== "string" || seen[b.image]) { continue; }
          seen[b.image] = true;
          jobs.push(measure(source.name, pair[1], b.image, pair[1] ? b.id.length : null));
        }
      });
    }
    // An anti-aliased pixel: a mix of two of the colours (within 12 per channel of the line between them).
    function blend(d, at, names, table) {
      for (var a = 0; a < names.length; a++) {
        for (var b = a + 1; b < names.length; b++) {
          var p = table[names[a]], q = table[names[b]], num = 0, den = 0;
          for (var ch = 0; ch < 3; ch++) { num += (d[at + ch] - p[ch]) * (q[ch] - p[ch]); den += (q[ch] - p[ch]) * (q[ch] - p[ch]); }
          var t = den ? Math.max(0, Math.min(1, num / den)) : 0, ok = true;
          for (ch = 0; ch < 3; ch++) { if (Math.abs(d[at + ch] - (p[ch] + t * (q[ch] - p[ch]))) > 12) { ok = false; } }
          if (ok) { return true; }
        }
      }
      return false;
    }
    function measure(layer, cluster, url, count) {
      return new Promise(function (resolve) {
        var img = new Image();
        img.onload = function () {
          var w = img.width, h = img.height, canvas = document.createElement("canvas");
          canvas.width = w; canvas.height = h;
          var ctx = canvas.getContext("2d");
          ctx.drawImage(img, 0, 0);
          var d = ctx.getImageData(0, 0, w, h).data;
          var names = Object.keys(colours[layer] || {}), counts = { blend: 0, foreign: 0 }, cls = new Array(w * h);
          names.forEach(function (n) { counts[n] = 0; });
          for (var k = 0; k < w * h; k++) {
            if (d[4 * k + 3] < 250) { cls[k] = d[4 * k + 3] < 5 ? "clear" : "edgeAlpha"; continue; }
            cls[k] = "other";
            for (var n = 0; n < names.length; n++) {
              var c = colours[layer][names[n]];
              if (Math.abs(d[4 * k] - c[0]) <= 10 && Math.abs(d[4 * k + 1] - c[1]) <= 10 &&
                  Math.abs(d[4 * k + 2] - c[2]) <= 10) { cls[k] = names[n]; break; }
            }
            if (cls[k] === "other") { cls[k] = blend(d, 4 * k, names, colours[layer]) ? "blend" : "foreign"; }
            counts[cls[k]] = (counts[cls[k]] || 0) + 1;
          }
          var translucent = function (x, y) {
            return x < 0 || y < 0 || x >= w || y >= h || cls[y * w + x] === "clear" || cls[y * w + x] === "edgeAlpha";
          };
          var fillOnEdge = 0, inside = {};
          for (var y = 0; y < h; y++) {
            for (var x = 0; x < w; x++) {
              var own = cls[y * w + x];
              if (own === "fill" && (translucent(x - 1, y) || translucent(x + 1, y) || translucent(x, y - 1) ||
                                     translucent(x, y + 1))) { fillOnEdge++; }
              if (own !== "clear" && own !== "edgeAlpha") {
                var deep = true;
                for (var dy = -ring; dy <= ring && deep; dy++) {
                  for (var dx = -ring; dx <= ring && deep; dx++) { if (translucent(x + dx, y + dy)) { deep = false; } }
                }
                if (deep) { inside[own] = (inside[own] || 0) + 1; }
              }
            }
          }
          resolve({ layer: layer, cluster: cluster, count: count, width: w, height: h, counts: counts,
                    fillOnEdge: fillOnEdge, inside: inside });
        };
        img.onerror = function () { resolve({ layer: layer, cluster: cluster, error: "image not decoded" }); };
        img.src = url;
      });
    }
    return Promise.all(jobs);
  }
  return { contrast: contrast, focus: focus, pins: pins, canvasLabels: canvasLabels, pinPixels: pinPixels };
}())
