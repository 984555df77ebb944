/* GeoTwin web viewer: the city's 3D Tiles with CesiumJS, without Cesium ion.
 * State for tests and embedding pages: window.geotwin (loaded, error, tileCount, featureCount,
 * pickedId, picked, layers, sensorRefreshes, bimVisible, lookAt()) and #status[data-state]. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("geotwin-config").textContent);
  var state = window.geotwin = {
    loaded: false, error: null, tileCount: 0, featureCount: 0, groundHeight: null,
    pickedId: null, picked: null, layers: {}, sensorRefreshes: 0, sensorRefreshErrors: 0, timings: {},
    bimVisible: [], viewer: null, tileset: null, lookAt: null
  };
  var statusEl = document.getElementById("status");

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.dataset.state = kind;
  }

  function fail(message) {
    state.error = message;
    setStatus(message, "error");
    console.error("GeoTwin viewer: " + message);
  }

  if (typeof Cesium === "undefined") {
    fail("CesiumJS could not be loaded from " + config.cesiumBaseUrl);
    return;
  }
  document.title = config.title;

  // The city's data stays sovereign: nothing is fetched from Cesium ion.
  Cesium.Ion.defaultAccessToken = "";

  var viewer = state.viewer = new Cesium.Viewer("cesiumContainer", {
    baseLayer: false,
    baseLayerPicker: false,
    geocoder: false,
    homeButton: false,
    sceneModePicker: false,
    navigationHelpButton: false,
    animation: false,
    timeline: false,
    fullscreenButton: false,
    infoBox: false,
    selectionIndicator: false,
    terrainProvider: new Cesium.EllipsoidTerrainProvider()
  });
  var scene = viewer.scene;
  scene.globe.baseColor = Cesium.Color.fromCssColorString("#dcd9cf");
  scene.globe.showGroundAtmosphere = false;
  scene.fog.enabled = false;

  // ---------------------------------------------------------------- feature kinds, colours + legend
  // Tile features are city-model buildings (coloured by function), BIM elements (by IFC class) or
  // the markers of learning islands and sensors. The style is a pair of functions: a building part
  // without a function of its own takes the colour of its parent building, found in the same tile.
  var functionPatterns = config.functionClasses.map(function (cls) {
    return { test: new RegExp(cls.pattern), color: Cesium.Color.fromCssColorString(cls.color) };
  });
  var otherFunctionColor = Cesium.Color.fromCssColorString(config.otherFunction.color);
  var bimColors = {};
  config.bimClasses.forEach(function (cls) {
    var color = Cesium.Color.fromCssColorString(cls.color).withAlpha(cls.alpha);
    cls.classes.forEach(function (name) { bimColors[name] = color; });
  });
  var otherBimColor = Cesium.Color.fromCssColorString(config.otherBim.color).withAlpha(config.otherBim.alpha);
  var markerColors = {};
  config.markerClasses.forEach(function (cls) { markerColors[cls.kind] = Cesium.Color.fromCssColorString(cls.color); });

  function featureKind(feature) {
    if (feature.hasProperty(config.bimClassProperty)) { return "bim"; }
    if (feature.hasProperty("sensor_key")) { return "sensor"; }
    if (feature.hasProperty("booking_url") || feature.hasProperty("seats")) { return "island"; }
    return "building";
  }

  function present(value) {
    return value !== undefined && value !== null && value !== "";
  }

  function featureIdName(feature, kind) {
    var names = config.featureIdProperties[kind] || [config.idProperty];
    for (var i = 0; i < names.length; i++) {
      if (feature.hasProperty(names[i])) { return names[i]; }
    }
    return config.idProperty;
  }

  // Per tile content: the function code of every building by id (for parts without one), the BIM
  // building its BIM elements belong to, and the buildings whose BIM detail exists ("shells").
  var contentInfos = new WeakMap();
  function contentInfo(content) {
    var info = contentInfos.get(content);
    if (info) { return info; }
    info = { functions: {}, bimBuilding: null, shells: [] };
    for (var i = 0; i < content.featuresLength; i++) {
      var feature = content.getFeature(i);
      if (featureKind(feature) === "bim") {
        info.bimBuilding = info.bimBuilding || feature.getProperty("building_global_id") || null;
        continue;
      }
      var id = feature.getProperty(config.idProperty);
      if (present(id)) { info.functions[id] = feature.getProperty(config.functionProperty); }
      var bimId = feature.hasProperty("bim_building_id") ? feature.getProperty("bim_building_id") : null;
      if (present(bimId)) { info.shells.push({ feature: feature, bim: bimId }); }
    }
    contentInfos.set(content, info);
    return info;
  }

  function functionCode(feature) {
    var code = feature.getProperty(config.functionProperty);
    if (!present(code)) {
      var parent = feature.hasProperty(config.parentProperty) ? feature.getProperty(config.parentProperty) : null;
      if (present(parent)) { code = contentInfo(feature.content).functions[parent]; }
    }
    return present(code) ? String(code) : "";
  }

  function featureColor(feature) {
    var kind = featureKind(feature);
    if (kind === "bim") { return bimColors[feature.getProperty(config.bimClassProperty)] || otherBimColor; }
    if (kind !== "building") { return markerColors[kind]; }
    var code = functionCode(feature);
    for (var i = 0; i < functionPatterns.length; i++) {
      if (functionPatterns[i].test.test(code)) { return functionPatterns[i].color; }
    }
    return otherFunctionColor;
  }

  function featureStyle() {
    var style = new Cesium.Cesium3DTileStyle();
    style.color = {
      evaluateColor: function (feature, result) { return Cesium.Color.clone(featureColor(feature), result); }
    };
    style.show = {
      evaluate: function (feature) { return featureColor(feature).alpha > 0; }
    };
    return style;
  }

  function legendList(id, classes, alpha) {
    var section = document.getElementById(id);
    var list = section.querySelector("ul");
    classes.forEach(function (cls) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = cls.color;
      swatch.style.opacity = alpha && cls.alpha !== undefined ? Math.max(cls.alpha, 0.15) : 1;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(cls.label));
      list.appendChild(item);
    });
    return section;
  }

  var legendSections = {};
  function buildLegend() {
    legendList("legend-function", config.functionClasses.concat([config.otherFunction]));
    legendSections.bim = legendList("legend-bim", config.bimClasses.concat([config.otherBim]), true);
    legendSections.markers = legendList("legend-markers", config.markerClasses);
  }

  // The BIM and marker legends appear once such features have been loaded.
  function revealLegend(content) {
    for (var i = 0; i < content.featuresLength; i++) {
      var kind = featureKind(content.getFeature(i));
      if (kind === "bim") { legendSections.bim.hidden = false; }
      if (kind === "island" || kind === "sensor") { legendSections.markers.hidden = false; }
    }
  }

  // ADD refinement keeps a building's LoD2 shell while its BIM elements are shown, and the shell
  // would hide them: it is hidden in every frame in which (or after one in which) its BIM tile is drawn.
  var bimShown = new Set();
  var bimThisFrame = new Set();
  function onTileVisible(tile) {
    var content = tile.content;
    if (!content || !content.featuresLength) { return; }
    var info = contentInfo(content);
    if (info.bimBuilding) { bimThisFrame.add(info.bimBuilding); }
    info.shells.forEach(function (shell) {
      shell.feature.show = !(bimShown.has(shell.bim) || bimThisFrame.has(shell.bim));
    });
  }
  scene.postRender.addEventListener(function () {
    bimShown = bimThisFrame;
    bimThisFrame = new Set();
    state.bimVisible = Array.from(bimShown);
  });

  // ---------------------------------------------------------------- ground height
  // Without terrain the globe is the ellipsoid, tens of metres below the city. The globe is drawn
  // flat at the ground's ellipsoidal height, and overlay points stand at that height.
  function groundFromTilesetJson(json) {
    var root = json.root || {};
    var bv = root.boundingVolume || {};
    var ellipsoid = Cesium.Ellipsoid.WGS84;
    if (bv.region) {
      return bv.region[4];
    }
    var transform = root.transform ? Cesium.Matrix4.fromColumnMajorArray(root.transform) : Cesium.Matrix4.IDENTITY;
    var rotation = Cesium.Matrix4.getMatrix3(transform, new Cesium.Matrix3());
    var center, extent = 0;
    if (bv.box) {
      center = Cesium.Matrix4.multiplyByPoint(transform, new Cesium.Cartesian3(bv.box[0], bv.box[1], bv.box[2]), new Cesium.Cartesian3());
      var up = ellipsoid.geodeticSurfaceNormal(center, new Cesium.Cartesian3());
      for (var i = 0; i < 3; i++) {
        var axis = new Cesium.Cartesian3(bv.box[3 + 3 * i], bv.box[4 + 3 * i], bv.box[5 + 3 * i]);
        extent += Math.abs(Cesium.Cartesian3.dot(Cesium.Matrix3.multiplyByVector(rotation, axis, axis), up));
      }
    } else if (bv.sphere) {
      center = Cesium.Matrix4.multiplyByPoint(transform, new Cesium.Cartesian3(bv.sphere[0], bv.sphere[1], bv.sphere[2]), new Cesium.Cartesian3());
      extent = bv.sphere[3];
    } else {
      return null;
    }
    var carto = ellipsoid.cartesianToCartographic(center);
    return carto ? carto.height - extent : null;
  }

  function flatGlobe(height) {
    var size = 16;
    var heights = new Float32Array(size * size).fill(height);
    return new Cesium.CustomHeightmapTerrainProvider({
      width: size, height: size,
      callback: function () { return heights; }
    });
  }

  // How the exporter turned source heights into ellipsoidal heights (tileset.json asset.extras).
  function showHeightModel(json) {
    var model = json.asset && json.asset.extras && json.asset.extras.geotwin && json.asset.extras.geotwin.heightModel;
    if (!model || !model.description) { return; }
    var el = document.getElementById("heights");
    var error = Number(model.expectedErrorMetres);
    el.textContent = "Heights: " + model.description + (isFinite(error) ? " (expected error \u00b1" + error + " m)" : "");
    el.dataset.accuracy = isFinite(error) && error <= 0.05 ? "fine" : "coarse";
    el.title = (model.warnings || []).join("\n");
    el.hidden = false;
  }

  // ---------------------------------------------------------------- info panel
  var info = document.getElementById("info");
  var infoTitle = document.getElementById("info-title");
  var infoHighlights = document.getElementById("info-highlights");
  var infoBody = document.querySelector("#info-table tbody");
  var highlighted = null;

  function isHttpUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value);
  }

  function link(url, text) {
    var a = document.createElement("a");
    a.href = url;
    a.textContent = text || url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function formatValue(value) {
    if (value === undefined || value === null) { return ""; }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) { return Array.prototype.join.call(value, ", "); }
    if (typeof value === "object") { return JSON.stringify(value); }
    return String(value);
  }

  function addRow(name, value) {
    var row = infoBody.insertRow();
    var th = document.createElement("th");
    th.textContent = name;
    row.appendChild(th);
    var td = row.insertCell();
    if (isHttpUrl(value)) { td.appendChild(link(value)); } else { td.textContent = formatValue(value); }
  }

  // Every attribute, the leading ones (id, IFC class) first; JSON objects (e.g. "attributes") are
  // expanded as name.key rows.
  function showProperties(title, entries, leading) {
    infoBody.textContent = "";
    infoHighlights.textContent = "";
    infoTitle.textContent = title;
    leading = [].concat(leading || []);
    function rank(name) {
      var i = leading.indexOf(name);
      return i < 0 ? leading.length : i;
    }
    entries.sort(function (a, b) { return rank(a[0]) - rank(b[0]); });
    entries.forEach(function (entry) {
      var value = entry[1];
      // no row for a missing value (the property table's noData: every property of the class is in it)
      if (!present(value)) { return; }
      if (typeof value === "string" && value.charAt(0) === "{") {
        try {
          var nested = JSON.parse(value);
          Object.keys(nested).forEach(function (key) { addRow(entry[0] + "." + key, nested[key]); });
          return;
        } catch (err) { /* not JSON: shown as text */ }
      }
      addRow(entry[0], value);
    });
    info.hidden = false;
  }

  function hideInfo() {
    info.hidden = true;
    infoHighlights.textContent = "";
    state.pickedId = null;
    state.picked = null;
    if (highlighted) {
      if (!highlighted.feature.content.isDestroyed()) {  // its tile may have been unloaded since
        highlighted.feature.color = highlighted.color;
      }
      highlighted = null;
    }
  }
  document.getElementById("info-close").addEventListener("click", hideInfo);

  // A tile feature: a building, a BIM element (global_id and IFC class first) or the marker of a
  // learning island or sensor (with the same highlights as its overlay point, whose sensor values
  // are refreshed from SensorThings).
  function showFeature(feature) {
    var kind = featureKind(feature);
    var ids = feature.getPropertyIds();
    var entries = ids.map(function (name) { return [name, feature.getProperty(name)]; });
    var idName = featureIdName(feature, kind);
    var id = feature.getProperty(idName);
    var title = id;
    if (kind === "bim") {
      var ifcClass = feature.getProperty(config.bimClassProperty);
      var name = feature.getProperty("name");
      title = present(name) ? ifcClass + " · " + name : ifcClass;
    } else if (kind !== "building") {
      title = featureGet(feature, "name");
    }
    showProperties(present(title) ? String(title) : "Building", entries,
      kind === "bim" ? [idName, config.bimClassProperty] : [idName]);
    var overlay = present(id) ? overlayById[kind + ":" + id] : undefined;
    if (kind === "island" || kind === "sensor") {
      showHighlights(kind, overlay ? entityGetter(overlay) : function (key) { return featureGet(feature, key); },
        overlay);
    }
    state.pickedId = present(id) ? String(id) : null;
    state.picked = { kind: kind, properties: ids.length, text: info.textContent };
    highlighted = { feature: feature, color: Cesium.Color.clone(feature.color) };
    feature.color = Cesium.Color.YELLOW;
  }

  function featureGet(feature, key) {
    var names = config.overlayProperties[key];
    for (var i = 0; i < names.length; i++) {
      if (feature.hasProperty(names[i])) {
        var value = feature.getProperty(names[i]);
        if (present(value)) { return value; }
      }
    }
    return undefined;
  }

  function prop(bag, key, time) {
    var names = config.overlayProperties[key];
    for (var i = 0; i < names.length; i++) {
      if (bag.hasProperty(names[i])) {
        var value = bag[names[i]].getValue(time);
        if (present(value)) { return value; }
      }
    }
    return undefined;
  }

  function entityGetter(entity) {
    var time = viewer.clock.currentTime;
    return function (key) { return entity.properties ? prop(entity.properties, key, time) : undefined; };
  }

  // Booking link, hours and seats of an island; latest value, time and SensorThings link of a sensor.
  function showHighlights(kind, get, entity) {
    if (kind === "island") {
      var booking = get("booking");
      if (isHttpUrl(booking)) { paragraph([link(booking, "Book a seat")]); }
      var hours = get("openingHours");
      if (hours !== undefined) { paragraph(["Opening hours: " + formatValue(hours)]); }
      var seats = get("seats");
      if (seats !== undefined) { paragraph(["Seats: " + formatValue(seats)]); }
    } else if (kind === "sensor") {
      var value = document.createElement("span");
      value.className = "value";
      value.textContent = entity ? sensorText(entity) : valueText(get("value"), get("unit"));
      paragraph([value]);
      var when = get("time");
      if (when !== undefined) { paragraph(["Measured: " + formatValue(when)]); }
      var sta = get("link");
      if (isHttpUrl(sta)) { paragraph([link(sta, "SensorThings data stream")]); }
    }
  }

  function paragraph(children) {
    var p = document.createElement("p");
    children.forEach(function (c) { p.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    infoHighlights.appendChild(p);
  }

  function showOverlay(entity) {
    var time = viewer.clock.currentTime;
    var bag = entity.properties;
    var entries = bag ? bag.propertyNames.map(function (name) { return [name, bag[name].getValue(time)]; }) : [];
    var name = bag ? prop(bag, "name", time) : undefined;
    var idName = bag ? config.overlayProperties.id.filter(function (n) { return bag.hasProperty(n); })[0] : undefined;
    showProperties(name === undefined ? entity.id : String(name), entries, idName);
    var kind = entity.geotwinKind;
    if (bag) { showHighlights(kind, entityGetter(entity), entity); }
    var idValue = bag ? prop(bag, "id", time) : undefined;
    state.pickedId = String(idValue === undefined ? entity.id : idValue);
    state.picked = { kind: kind || "overlay", layer: entity.geotwinLayer, text: info.textContent };
  }

  // ---------------------------------------------------------------- overlays (GeoJSON)
  var pins = new Cesium.PinBuilder();
  var overlayById = {};  // "kind:id" -> entity, so that a marker in the tileset shows refreshed values

  function valueText(value, unit) {
    if (value === undefined) { return "no value"; }
    return formatValue(value) + (unit === undefined || String(unit) === "1" ? "" : " " + unit);  // "1": a count
  }

  function sensorText(entity) {
    var time = viewer.clock.currentTime;
    return valueText(prop(entity.properties, "value", time), prop(entity.properties, "unit", time));
  }

  function classify(entity) {
    var time = viewer.clock.currentTime;
    var bag = entity.properties;
    if (!bag) { return "feature"; }
    if (prop(bag, "booking", time) !== undefined || prop(bag, "seats", time) !== undefined) { return "island"; }
    if (prop(bag, "value", time) !== undefined || prop(bag, "link", time) !== undefined) { return "sensor"; }
    return "feature";
  }

  var kindStyle = {
    island: { symbol: "L", color: Cesium.Color.fromCssColorString("#2e7d32") },
    sensor: { symbol: "S", color: Cesium.Color.fromCssColorString("#1565c0") },
    feature: { symbol: "?", color: Cesium.Color.fromCssColorString("#6d4c41") }
  };

  function styleOverlay(entity, layerName) {
    var kind = classify(entity);
    entity.geotwinKind = kind;
    entity.geotwinLayer = layerName;
    var id = entity.properties ? prop(entity.properties, "id", viewer.clock.currentTime) : undefined;
    if (present(id)) { overlayById[kind + ":" + id] = entity; }
    if (!entity.position) { return; }
    // A point stands at its own ellipsoidal height (the exporter's, e.g. a room's floor), else on the ground.
    var heightReference = Cesium.HeightReference.CLAMP_TO_GROUND;
    var raw = entity.properties && entity.properties.hasProperty("ellipsoidal_height") ?
      entity.properties.ellipsoidal_height.getValue(viewer.clock.currentTime) : undefined;
    var height = present(raw) && isFinite(Number(raw)) ? Number(raw) : state.groundHeight;
    if (height !== null) {
      var where = Cesium.Cartographic.fromCartesian(entity.position.getValue(viewer.clock.currentTime));
      entity.position = Cesium.Cartesian3.fromRadians(where.longitude, where.latitude, height);
      heightReference = Cesium.HeightReference.NONE;
    }
    entity.billboard = new Cesium.BillboardGraphics({
      image: pins.fromText(kindStyle[kind].symbol, kindStyle[kind].color, 40).toDataURL(),
      verticalOrigin: Cesium.VerticalOrigin.BOTTOM,
      heightReference: heightReference,
      disableDepthTestDistance: Number.POSITIVE_INFINITY
    });
    if (kind === "sensor") {
      entity.label = new Cesium.LabelGraphics({
        text: new Cesium.CallbackProperty(function () { return sensorText(entity); }, false),
        font: "13px sans-serif",
        fillColor: Cesium.Color.WHITE,
        outlineColor: Cesium.Color.BLACK,
        outlineWidth: 3,
        style: Cesium.LabelStyle.FILL_AND_OUTLINE,
        verticalOrigin: Cesium.VerticalOrigin.BOTTOM,
        pixelOffset: new Cesium.Cartesian2(0, -44),
        heightReference: heightReference,
        disableDepthTestDistance: Number.POSITIVE_INFINITY
      });
    }
  }

  function loadLayer(layer) {
    return Cesium.GeoJsonDataSource.load(layer.url, { clampToGround: state.groundHeight === null }).then(function (source) {
      source.name = layer.name;
      source.entities.values.forEach(function (entity) { styleOverlay(entity, layer.name); });
      state.layers[layer.name] = { count: source.entities.values.length };
      return viewer.dataSources.add(source);
    }, function (err) {
      state.layers[layer.name] = { count: 0, error: String(err) };
      console.warn("GeoTwin viewer: overlay " + layer.name + " not loaded: " + err);
    });
  }

  // ---------------------------------------------------------------- sensor refresh (SensorThings)
  function latestObservationUrl(link) {
    var base = link.replace(/\/+$/, "");
    if (!/\/Observations$/.test(base)) { base += "/Observations"; }
    return base + "?$top=1&$orderby=phenomenonTime%20desc&$select=result,phenomenonTime";
  }

  function refreshSensor(entity) {
    var time = viewer.clock.currentTime;
    var sta = prop(entity.properties, "link", time);
    if (!isHttpUrl(sta)) { return Promise.resolve(); }
    return fetch(latestObservationUrl(sta), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        var obs = body && body.value && body.value[0];
        if (!obs) { return; }
        var bag = entity.properties;
        var valueName = config.overlayProperties.value.filter(function (n) { return bag.hasProperty(n); })[0] || "latest_value";
        var timeName = config.overlayProperties.time.filter(function (n) { return bag.hasProperty(n); })[0] || "latest_time";
        if (bag.hasProperty(valueName)) { bag[valueName] = obs.result; } else { bag.addProperty(valueName, obs.result); }
        if (bag.hasProperty(timeName)) { bag[timeName] = obs.phenomenonTime; } else { bag.addProperty(timeName, obs.phenomenonTime); }
        state.sensorRefreshes++;
      })
      .catch(function (err) {
        state.sensorRefreshErrors++;
        console.warn("GeoTwin viewer: sensor " + entity.id + " not refreshed: " + err.message);
      });
  }

  function refreshSensors() {
    if (!navigator.onLine) { return Promise.resolve(); }
    var jobs = [];
    for (var i = 0; i < viewer.dataSources.length; i++) {
      viewer.dataSources.get(i).entities.values.forEach(function (entity) {
        if (entity.geotwinKind === "sensor") { jobs.push(refreshSensor(entity)); }
      });
    }
    return Promise.all(jobs);
  }

  // ---------------------------------------------------------------- picking
  var handler = new Cesium.ScreenSpaceEventHandler(scene.canvas);
  handler.setInputAction(function (movement) {
    var picked = scene.pick(movement.position);
    hideInfo();
    if (picked instanceof Cesium.Cesium3DTileFeature) {
      showFeature(picked);
    } else if (Cesium.defined(picked) && picked.id instanceof Cesium.Entity) {
      showOverlay(picked.id);
    }
  }, Cesium.ScreenSpaceEventType.LEFT_CLICK);

  // ---------------------------------------------------------------- load
  function flyTo(sphere) {
    return new Promise(function (resolve) {
      viewer.camera.flyToBoundingSphere(sphere, {
        duration: 1.5,
        // range 0: Cesium computes the distance at which the whole sphere is in view
        offset: new Cesium.HeadingPitchRange(0, Cesium.Math.toRadians(-45), 0),
        complete: resolve,
        cancel: resolve
      });
    });
  }

  // The tileset and every overlay point.
  function viewSphere(tileset) {
    var points = [];
    for (var i = 0; i < viewer.dataSources.length; i++) {
      viewer.dataSources.get(i).entities.values.forEach(function (entity) {
        var position = entity.position && entity.position.getValue(viewer.clock.currentTime);
        if (position) { points.push(position); }
      });
    }
    if (!points.length) { return tileset.boundingSphere; }
    return Cesium.BoundingSphere.union(tileset.boundingSphere, Cesium.BoundingSphere.fromPoints(points),
      new Cesium.BoundingSphere());
  }

  // Resolves once the tileset has loaded every tile the current view needs.
  function tilesLoaded(tileset) {
    return new Promise(function (resolve) {
      var remove = scene.postRender.addEventListener(function () {
        if (tileset.tilesLoaded) { remove(); resolve(); }
      });
    });
  }

  // Looks at a point (degrees, ellipsoidal height) from a heading and pitch (degrees) and range (m);
  // resolves once the tiles of the new view are loaded (and have been for a few frames).
  state.lookAt = function (lon, lat, height, heading, pitch, range) {
    viewer.camera.lookAt(Cesium.Cartesian3.fromDegrees(lon, lat, height),
      new Cesium.HeadingPitchRange(Cesium.Math.toRadians(heading), Cesium.Math.toRadians(pitch), range));
    viewer.camera.lookAtTransform(Cesium.Matrix4.IDENTITY);
    return new Promise(function (resolve) {
      var frames = 0, settled = 0;
      var remove = scene.postRender.addEventListener(function () {
        settled = state.tileset.tilesLoaded ? settled + 1 : 0;
        if (++frames > 2 && settled >= 3) { remove(); resolve(); }
      });
    });
  };

  // A fixed light from the south-west and above, so the city is lit the same at any time of day.
  function cityLight(center) {
    var frame = Cesium.Transforms.eastNorthUpToFixedFrame(center);
    var local = Cesium.Cartesian3.normalize(new Cesium.Cartesian3(0.45, 0.6, -0.9), new Cesium.Cartesian3());
    var direction = Cesium.Matrix4.multiplyByPointAsVector(frame, local, new Cesium.Cartesian3());
    return new Cesium.DirectionalLight({ direction: Cesium.Cartesian3.normalize(direction, direction), intensity: 2.2 });
  }

  function mark(name, since) {
    state.timings[name] = Math.round(performance.now() - since);
    return performance.now();
  }

  async function start() {
    var t = performance.now();
    buildLegend();
    setStatus("Loading tileset\u2026", "loading");
    var json = await Cesium.Resource.fetchJson({ url: config.tilesetUrl });
    showHeightModel(json);
    var ground = config.groundHeight;
    if (ground === null || ground === undefined) { ground = groundFromTilesetJson(json); }
    if (ground !== null && isFinite(ground)) {
      state.groundHeight = ground;
      viewer.terrainProvider = flatGlobe(ground);
    }
    var tileset = state.tileset = await Cesium.Cesium3DTileset.fromUrl(config.tilesetUrl);
    tileset.tileLoad.addEventListener(function (tile) {
      state.tileCount++;
      state.featureCount += tile.content ? tile.content.featuresLength : 0;
      if (tile.content) { revealLegend(tile.content); }
    });
    tileset.tileVisible.addEventListener(onTileVisible);
    tileset.tileFailed.addEventListener(function (err) {
      console.error("GeoTwin viewer: tile " + err.url + " failed: " + err.message);
    });
    tileset.style = featureStyle();
    scene.primitives.add(tileset);
    scene.light = cityLight(tileset.boundingSphere.center);
    await Promise.all(config.layers.map(loadLayer));
    t = mark("tilesetMs", t);
    await flyTo(viewSphere(tileset));
    t = mark("flightMs", t);
    await tilesLoaded(tileset);
    mark("tilesMs", t);
    state.loaded = true;
    setStatus("tileset loaded: " + state.tileCount + " tiles, " + state.featureCount + " features", "loaded");
    await refreshSensors();
    if (config.sensorRefreshSeconds > 0) {
      setInterval(refreshSensors, config.sensorRefreshSeconds * 1000);
    }
  }

  start().catch(function (err) {
    fail("The tileset could not be loaded from " + config.tilesetUrl + ": " + (err && err.message ? err.message : err));
  });
}());
