// Measure how CesiumJS draws the web map's sensor labels, pixel by pixel: evaluated in the page as an expression,
// window.geotwinLabels = {ink(texts)}. ink(texts) draws each text as a label styled exactly like the map's first
// sensor label (font, fill, outline, style, background), on a plain grey view (globe, tiles and layers hidden),
// renders one frame, reads the WebGL canvas back and returns per text the pixels of the label's fill colour and
// of its outline/background colour in its box, their columns (x of the leftmost and rightmost fill pixel) and the
// same text's fill pixels and width drawn by the 2D canvas in the same font (the browser's own text rendering).
// The view is restored afterwards.
(function () {
  "use strict";
  function sensorLabel(viewer) {
    for (var i = 0; i < viewer.dataSources.length; i++) {
      var labels = viewer.dataSources.get(i).clustering._labelCollection;
      for (var j = 0; labels && j < labels.length; j++) { return labels.get(j); }
    }
    return null;
  }
  function near(d, i, c, tol) {
    return Math.abs(d[i] - c[0]) <= tol && Math.abs(d[i + 1] - c[1]) <= tol && Math.abs(d[i + 2] - c[2]) <= tol;
  }
  function canvasInk(text, font) {  // the 2D canvas: black text on white, pixels darker than mid-grey
    var c = document.createElement("canvas");
    c.width = 200; c.height = 40;
    var ctx = c.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 200, 40);
    ctx.font = font; ctx.fillStyle = "#000"; ctx.textBaseline = "middle";
    ctx.fillText(text, 10, 20);
    var d = ctx.getImageData(0, 0, 200, 40).data, n = 0;
    for (var k = 0; k < d.length; k += 4) { if (d[k] < 128) { n++; } }
    return { fill: n, width: Math.round(ctx.measureText(text).width * 10) / 10 };
  }
  function ink(texts, override) {
    var viewer = window.geotwin.viewer, scene = viewer.scene;
    var label = sensorLabel(viewer);
    if (!label) { return { error: "no sensor label on the map" }; }
    var model = {};
    ["font", "fillColor", "outlineColor", "outlineWidth", "style", "showBackground", "backgroundColor",
     "backgroundPadding"].forEach(function (k) { model[k] = label[k]; });
    model.override = override || null;
    Object.keys(override || {}).forEach(function (k) {
      var v = override[k];
      model[k] = /Color$/.test(k) ? Cesium.Color.fromCssColorString(v) : k === "backgroundPadding" ?
        new Cesium.Cartesian2(v[0], v[1]) : v;
    });
    var saved = { globe: scene.globe.show, tileset: window.geotwin.tileset && window.geotwin.tileset.show,
                  sources: [], background: scene.backgroundColor, sky: scene.skyBox && scene.skyBox.show,
                  atmosphere: scene.skyAtmosphere && scene.skyAtmosphere.show };
    for (var i = 0; i < viewer.dataSources.length; i++) {
      saved.sources.push(viewer.dataSources.get(i).show);
      viewer.dataSources.get(i).show = false;
    }
    scene.globe.show = false;
    if (window.geotwin.tileset) { window.geotwin.tileset.show = false; }
    if (scene.skyBox) { scene.skyBox.show = false; }
    if (scene.skyAtmosphere) { scene.skyAtmosphere.show = false; }
    scene.backgroundColor = Cesium.Color.fromBytes(128, 128, 128, 255);
    var grey = [128, 128, 128];
    var collection = scene.primitives.add(new Cesium.LabelCollection({ scene: scene }));
    var canvas = scene.canvas, w = canvas.width, h = canvas.height;
    var placed = texts.map(function (text, k) {
      var xy = new Cesium.Cartesian2(w / 2, 60 + k * 50);
      var where = scene.camera.pickEllipsoid(xy);
      collection.add({
        position: where, text: text, font: model.font, fillColor: model.fillColor, outlineColor: model.outlineColor,
        outlineWidth: model.outlineWidth, style: model.style, showBackground: model.showBackground,
        backgroundColor: model.backgroundColor, backgroundPadding: model.backgroundPadding,
        horizontalOrigin: Cesium.HorizontalOrigin.CENTER, verticalOrigin: Cesium.VerticalOrigin.CENTER,
        disableDepthTestDistance: Number.POSITIVE_INFINITY
      });
      return xy;
    });
    var frames = 0;
    return new Promise(function (done) {
      function next() {  // glyph textures reach the atlas over a few frames
        try {
          scene.render();
          if (++frames < 12) { requestAnimationFrame(next); return; }
          done(read(viewer, scene, model, collection, texts, placed, saved));
        } catch (err) {
          done({ error: String(err && err.stack || err) });
        }
      }
      requestAnimationFrame(next);
    });
  }
  function read(viewer, scene, model, collection, texts, placed, saved) {
    var canvas = scene.canvas, w = canvas.width, h = canvas.height, i;
    var grey = [128, 128, 128];
    scene.render();  // and read back in the same task, before the frame is handed on
    var copy = document.createElement("canvas");
    copy.width = w; copy.height = h;
    var ctx = copy.getContext("2d");
    ctx.drawImage(canvas, 0, 0);
    var d = ctx.getImageData(0, 0, w, h).data;
    var f = model.fillColor, o = model.showBackground ? model.backgroundColor : model.outlineColor;
    var fill = [f.red * 255, f.green * 255, f.blue * 255], edge = [o.red * 255, o.green * 255, o.blue * 255];
    var luma = function (at) { return 0.2126 * d[at] + 0.7152 * d[at + 1] + 0.0722 * d[at + 2]; };
    var out = texts.map(function (text, k) {
      var cx = Math.round(placed[k].x), cy = Math.round(placed[k].y), n = 0, m = 0, inked = 0, left = w, right = -1;
      var brightest = 0;
      for (var y = cy - 20; y <= cy + 20; y++) {
        for (var x = cx - 120; x <= cx + 120; x++) {
          var at = 4 * (y * w + x);
          if (near(d, at, grey, 12)) { continue; }
          inked++;
          brightest = Math.max(brightest, luma(at));
          if (near(d, at, fill, 60)) { n++; left = Math.min(left, x); right = Math.max(right, x); } else if (near(d, at, edge, 60)) { m++; }
        }
      }
      var crop = document.createElement("canvas");  // the label's box, 4 times enlarged (to look at)
      crop.width = 4 * 100; crop.height = 4 * 30;
      var cctx = crop.getContext("2d");
      cctx.imageSmoothingEnabled = false;
      cctx.drawImage(copy, cx - 50, cy - 15, 100, 30, 0, 0, 400, 120);
      return { text: text, ink: inked, fill: n, edge: m, brightest: Math.round(brightest), left: left - cx,
               right: right - cx, canvas: canvasInk(text, model.font), crop: crop.toDataURL() };
    });
    scene.primitives.remove(collection);
    for (i = 0; i < viewer.dataSources.length; i++) { viewer.dataSources.get(i).show = saved.sources[i]; }
    scene.globe.show = saved.globe;
    if (window.geotwin.tileset) { window.geotwin.tileset.show = saved.tileset; }
    if (scene.skyBox) { scene.skyBox.show = saved.sky; }
    if (scene.skyAtmosphere) { scene.skyAtmosphere.show = saved.atmosphere; }
    scene.backgroundColor = saved.background;
    return { font: model.font, style: model.style, outlineWidth: model.outlineWidth, override: model.override,
             showBackground: model.showBackground, labels: out, canvasSize: [w, h],
             dpr: window.devicePixelRatio, resolutionScale: viewer.resolutionScale };
  }
  return { ink: ink };
}())
