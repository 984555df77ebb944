/* GeoTwin web viewer: the city's 3D Tiles with CesiumJS, without Cesium ion.
 * State for tests and embedding pages: window.geotwin (loaded, error, tileCount, featureCount, terrain,
 * pickedId, picked, layers, sensorRefreshes, bimVisible, flights (camera flights completed), lookAt(),
 * formatValue(value, property): a stored value as the info panel shows it) and
 * #status[data-state]. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("geotwin-config").textContent);
  var state = window.geotwin = {
    loaded: false, error: null, tileCount: 0, featureCount: 0, groundHeight: null, terrain: false,
    pickedId: null, picked: null, layers: {}, sensorRefreshes: 0, sensorRefreshErrors: 0, timings: {},
    bimVisible: [], viewer: null, tileset: null, lookAt: null, flights: 0
  };
  var statusEl = document.getElementById("status");
  // ---------------------------------------------------------------- language, numbers, times
  // German or English: the browser's language, then the switch (remembered for the session).
  var STRINGS = {
    en: {
      loadingCesium: "Loading CesiumJS\u2026", loadingTileset: "Loading tileset\u2026",
      loaded: "{tiles} tiles, {features} features loaded", legend: "Legend", showLegend: "Show legend",
      hideLegend: "Hide legend", buildingFunction: "Building function", bimElements: "BIM elements",
      points: "Points", close: "Close", selected: "Selected object", building: "Building",
      book: "Book a seat", hours: "Opening hours", seats: "Seats", measured: "Measured", noValue: "no value",
      sta: "SensorThings data stream", stale: "stale", staleAge: "stale: {age}", heights: "Heights",
      expectedError: "expected error", language: "Sprache: Deutsch", languageLabel: "Switch to German",
      freeNow: "free now", freeUntil: "free now, until {time}", busyUntil: "busy until {time}",
      nextFree: "next free slot: {time}", availability: "Availability", asOf: "as of {time}",
      freeUntilCloses: "free now until {time} (closes {closes})", freeCloses: "free now (closes {closes})",
      closedOpens: "closed (opens {time})", closedNow: "closed", hoursUnknown: "opening hours unknown",
      hoursUnknownWhy: "opening hours unknown ({why})", openEnd: "open end, closing time unknown",
      chart: "Last values of {name}", chartRange: "{from} to {to}", basemap: "Basemap",
      cluster: "{n} points: zoom in", cesiumMissing: "CesiumJS could not be loaded from {url}",
      tilesetFailed: "The tileset could not be loaded from {url}: {error}", today: "today",
      free: "free", occupied: "occupied",
      mapLabel: "3D map. Arrow keys: choose a pin or building in view; Enter: show it; Escape: close it",
      pickNone: "No pin or building in view", pickCount: "{n} objects in view: arrow keys choose, Enter shows",
      pickItem: "{kind}: {name} ({i} of {n}). Enter: details", kindIsland: "Learning island", kindSensor: "Sensor",
      kindFeature: "Point", kindBuilding: "Building",
      searchLabel: "Find a building, learning island or sensor", searchLoading: "Loading the search index\u2026",
      searchCount: "{n} results: arrow keys choose, Enter shows", searchOne: "1 result: Enter shows it",
      searchNone: "No result for \u201c{q}\u201d", searchShown: "{kind} {name} shown",
      searchNotLoaded: "{name} is not loaded in this view",
      searchMore: "Type more (a street or house number) to search the buildings"
    },
    de: {
      loadingCesium: "CesiumJS wird geladen\u2026", loadingTileset: "Kacheln werden geladen\u2026",
      loaded: "{tiles} Kacheln, {features} Objekte geladen", legend: "Legende", showLegend: "Legende zeigen",
      hideLegend: "Legende ausblenden", buildingFunction: "Geb\u00e4udefunktion", bimElements: "BIM-Bauteile",
      points: "Punkte", close: "Schlie\u00dfen", selected: "Ausgew\u00e4hltes Objekt", building: "Geb\u00e4ude",
      book: "Platz buchen", hours: "\u00d6ffnungszeiten", seats: "Pl\u00e4tze", measured: "Gemessen",
      noValue: "kein Wert", sta: "SensorThings-Datenstrom", stale: "veraltet", staleAge: "veraltet: {age}",
      heights: "H\u00f6hen", expectedError: "erwarteter Fehler", language: "Language: English",
      languageLabel: "Auf Englisch umschalten",
      freeNow: "jetzt frei", freeUntil: "jetzt frei, bis {time}", busyUntil: "belegt bis {time}",
      nextFree: "n\u00e4chster freier Termin: {time}", availability: "Belegung", asOf: "Stand {time}",
      freeUntilCloses: "jetzt frei bis {time} (schlie\u00dft {closes})", freeCloses: "jetzt frei (schlie\u00dft {closes})",
      closedOpens: "geschlossen (\u00f6ffnet {time})", closedNow: "geschlossen",
      hoursUnknown: "\u00d6ffnungszeiten unbekannt", hoursUnknownWhy: "\u00d6ffnungszeiten unbekannt ({why})",
      openEnd: "offenes Ende, Schlie\u00dfzeit unbekannt",
      chart: "Letzte Werte von {name}", chartRange: "{from} bis {to}", basemap: "Hintergrundkarte",
      cluster: "{n} Punkte: hineinzoomen", cesiumMissing: "CesiumJS konnte nicht von {url} geladen werden",
      tilesetFailed: "Das Tileset konnte nicht von {url} geladen werden: {error}", today: "heute",
      free: "frei", occupied: "belegt",
      mapLabel: "3D-Karte. Pfeiltasten: eine Stecknadel oder ein Geb\u00e4ude im Blick w\u00e4hlen; " +
        "Eingabetaste: zeigen; Escape: schlie\u00dfen",
      pickNone: "Keine Stecknadel und kein Geb\u00e4ude im Blick",
      pickCount: "{n} Objekte im Blick: Pfeiltasten w\u00e4hlen, Eingabetaste zeigt",
      pickItem: "{kind}: {name} ({i} von {n}). Eingabetaste: Details", kindIsland: "Lerninsel", kindSensor: "Sensor",
      kindFeature: "Punkt", kindBuilding: "Geb\u00e4ude",
      searchLabel: "Geb\u00e4ude, Lerninsel oder Sensor suchen", searchLoading: "Suchverzeichnis wird geladen\u2026",
      searchCount: "{n} Treffer: Pfeiltasten w\u00e4hlen, Eingabetaste zeigt", searchOne: "1 Treffer: Eingabetaste zeigt ihn",
      searchNone: "Kein Treffer f\u00fcr \u201e{q}\u201c", searchShown: "{kind} {name} gezeigt",
      searchNotLoaded: "{name} ist in dieser Ansicht nicht geladen",
      searchMore: "Weiter tippen (Stra\u00dfe oder Hausnummer), um Geb\u00e4ude zu suchen"
    }
  };
  // Legend classes and property names in German (English: as configured / as stored).
  var LABELS_DE = {
    "Residential": "Wohnen", "Commerce and industry": "Wirtschaft und Gewerbe", "Public": "\u00d6ffentliche Zwecke",
    "Unknown function": "Funktion unbekannt", "Other": "Sonstige", "Walls": "W\u00e4nde",
    "Slabs and floors": "Decken und B\u00f6den", "Roofs": "D\u00e4cher", "Windows": "Fenster", "Doors": "T\u00fcren",
    "Columns, beams, members": "St\u00fctzen, Tr\u00e4ger, St\u00e4be", "Stairs, ramps, railings": "Treppen, Rampen, Gel\u00e4nder",
    "Spaces (hidden)": "R\u00e4ume (ausgeblendet)", "Other BIM elements": "Sonstige BIM-Bauteile",
    "Learning islands": "Lerninseln", "Sensors": "Sensoren", "Other points": "Sonstige Punkte"
  };
  var PROPERTY_LABELS = {
    en: { id: "ID", "function": "Function", name: "Name", measured_height: "Height", height: "Height",
          storeys_above_ground: "Storeys above ground", roof_type: "Roof type", year_of_construction: "Year built",
          ground_height: "Ground height", ellipsoidal_height: "Ellipsoidal height", seats: "Seats",
          opening_hours: "Opening hours", booking_url: "Booking", latest_value: "Latest value", unit: "Unit",
          latest_time: "Measured", parent_id: "Part of", ifc_class: "IFC class", global_id: "GlobalId",
          sensor_key: "Sensor", area: "Area", floor_area: "Floor area", volume: "Volume", address: "Address",
          class: "Class", usage: "Usage", link_reason: "Link reason", building_id: "Building", distance: "Distance",
          object_class: "Object class", source_file: "Source file", lod: "Level of detail", lods_available: "LoDs available",
          street: "Street", house_number: "House number", postal_code: "Postal code", city: "City", country: "Country",
          roof_height: "Roof height", storeys_below_ground: "Storeys below ground", attributes: "Attributes",
          net_area: "Net area", net_volume: "Net volume", long_name: "Long name", number: "Number", storey: "Storey",
          floor_elevation: "Floor elevation", area_source: "Area from",
          ssid: "WLAN SSID", operator: "Operator", accessibility: "Accessibility",
          building_ref: "Building reference", floor: "Floor", room: "Room", building_method: "Building found by",
          building_distance: "Distance to the building", room_id: "Room (GlobalId)", room_name: "Room name",
          room_storey: "Storey of the room", room_method: "Room found by", link_status: "Link status",
          opening_hours_error: "Opening hours problem", booking_url_error: "Booking link problem",
          source_line: "Source line", sensor_id: "Sensor", sensor_name: "Sensor name", datastream_id: "Datastream",
          datastream_name: "Datastream name", observed_property: "Observed property", unit_name: "Unit",
          unit_symbol: "Unit symbol", unit_definition: "Unit definition", unit_known: "Known unit", min: "Minimum",
          mean: "Mean", max: "Maximum", count: "Values", non_numeric: "Non-numeric values",
          window_start: "Window start", window_end: "Window end", self_link: "SensorThings link", source: "Source",
          link_type: "Linked as", link_id: "Linked to", link_name: "Linked to (name)",
          link_distance: "Distance to the link", normal_height: "Normal height", height_source: "Height from" },
    de: { id: "Kennung", "function": "Funktion", name: "Name", measured_height: "H\u00f6he", height: "H\u00f6he",
          storeys_above_ground: "Geschosse \u00fcber Grund", roof_type: "Dachform", year_of_construction: "Baujahr",
          ground_height: "Gel\u00e4ndeh\u00f6he", ellipsoidal_height: "Ellipsoidische H\u00f6he", seats: "Pl\u00e4tze",
          opening_hours: "\u00d6ffnungszeiten", booking_url: "Buchung", latest_value: "Letzter Wert", unit: "Einheit",
          latest_time: "Gemessen", parent_id: "Teil von", ifc_class: "IFC-Klasse", global_id: "GlobalId",
          sensor_key: "Sensor", area: "Fl\u00e4che", floor_area: "Grundfl\u00e4che", volume: "Volumen", address: "Adresse",
          class: "Klasse", usage: "Nutzung", link_reason: "Verkn\u00fcpfungsgrund", building_id: "Geb\u00e4ude",
          distance: "Abstand", object_class: "Objektart", source_file: "Quelldatei", lod: "Detailstufe",
          lods_available: "Verf\u00fcgbare Detailstufen", street: "Stra\u00dfe", house_number: "Hausnummer",
          postal_code: "Postleitzahl", city: "Ort", country: "Land", roof_height: "Dachh\u00f6he",
          storeys_below_ground: "Geschosse unter Grund", attributes: "Attribute", net_area: "Nettofl\u00e4che",
          net_volume: "Nettovolumen", long_name: "Langname", number: "Nummer", storey: "Geschoss",
          floor_elevation: "Fu\u00dfbodenh\u00f6he", area_source: "Fl\u00e4che aus",
          ssid: "WLAN-SSID", operator: "Betreiber", accessibility: "Barrierefreiheit",
          building_ref: "Geb\u00e4udereferenz", floor: "Geschoss", room: "Raum",
          building_method: "Geb\u00e4ude ermittelt durch", building_distance: "Abstand zum Geb\u00e4ude",
          room_id: "Raum (GlobalId)", room_name: "Raumname", room_storey: "Geschoss des Raums",
          room_method: "Raum ermittelt durch", link_status: "Verkn\u00fcpfungsstatus",
          opening_hours_error: "Problem mit den \u00d6ffnungszeiten",
          booking_url_error: "Problem mit dem Buchungslink", source_line: "Zeile der Quelle", sensor_id: "Sensor",
          sensor_name: "Sensorname", datastream_id: "Datenstrom", datastream_name: "Name des Datenstroms",
          observed_property: "Messgr\u00f6\u00dfe", unit_name: "Einheit", unit_symbol: "Einheitenzeichen",
          unit_definition: "Einheitendefinition", unit_known: "Bekannte Einheit", min: "Minimum",
          mean: "Mittelwert", max: "Maximum", count: "Anzahl Werte", non_numeric: "Nicht numerische Werte",
          window_start: "Zeitraum von", window_end: "Zeitraum bis", self_link: "SensorThings-Link",
          source: "Quelle", link_type: "Verkn\u00fcpft als", link_id: "Verkn\u00fcpft mit",
          link_name: "Verkn\u00fcpft mit (Name)", link_distance: "Abstand zur Verkn\u00fcpfung",
          normal_height: "Normalh\u00f6he", height_source: "H\u00f6he aus" }
  };
  // Units by property name (the stored values are metres, square and cubic metres).
  // [name pattern, unit, decimals shown]: areas to the 0.01 m² of room schedules (72.96 m², not 73 m²).
  var PROPERTY_UNITS = [[/(^|[_.])(height|elevation|distance|depth|width|length)(_|$)/i, "m", 1],
                        [/(^|[_.])area(_|$)/i, "m\u00b2", 2], [/(^|[_.])volume(_|$)/i, "m\u00b3", 1]];
  var NOT_NUMBERS = /(^|[_.])(id|key|code|year|function|class|zip|postcode|postal|type|schluessel)(_|$)|^id$/i;

  function initialLanguage() {
    var asked = new URLSearchParams(location.search).get("lang");
    if (asked === "de" || asked === "en") { return asked; }
    try {
      var kept = sessionStorage.getItem("geotwin-lang");
      if (kept === "de" || kept === "en") { return kept; }
    } catch (err) { /* storage blocked */ }
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    return /^de\b/i.test(String(langs[0])) ? "de" : "en";
  }
  var lang = state.lang = initialLanguage();
  function locale() { return lang === "de" ? "de-DE" : "en-GB"; }
  function tr(key, values) {
    var text = (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (m, name) { return values && name in values ? values[name] : m; });
  }
  function label(text) { return lang === "de" && LABELS_DE[text] ? LABELS_DE[text] : text; }
  function propertyLabel(name) {
    var labels = PROPERTY_LABELS[lang];
    if (labels[name]) { return labels[name]; }
    var plain = String(name).replace(/[._]+/g, " ").trim();
    return plain.charAt(0).toUpperCase() + plain.slice(1);
  }

  // Sensible rounding: 3 significant digits for small values, none below a tenth for large ones.
  function formatNumber(value, digits) {
    var n = Number(value);
    if (!isFinite(n)) { return String(value); }
    if (digits === undefined) {
      var a = Math.abs(n);
      digits = Number.isInteger(n) ? 0 : a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3;
    }
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, useGrouping: Math.abs(n) >= 10000 })
      .format(n);
  }

  var ISO_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;
  function parseTime(value) {
    if (typeof value !== "string") { return null; }
    var text = value.split("/").pop();  // a SensorThings interval: its end
    if (!ISO_TIME.test(text)) { return null; }
    var ms = Date.parse(text);
    return isFinite(ms) ? new Date(ms) : null;
  }
  function formatTime(date, timeOnly) {
    var options = { timeZone: config.timeZone, hour: "2-digit", minute: "2-digit" };
    if (!timeOnly) {
      options.year = "numeric"; options.month = "2-digit"; options.day = "2-digit"; options.timeZoneName = "short";
    }
    return new Intl.DateTimeFormat(locale(), options).format(date);
  }
  function formatAge(ms) {
    var rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "always" });
    var hours = ms / 3600000;
    if (hours < 48) { return rtf.format(-Math.round(hours), "hour"); }
    var days = hours / 24;
    if (days < 60) { return rtf.format(-Math.round(days), "day"); }
    if (days < 730) { return rtf.format(-Math.round(days / 30.44), "month"); }
    return rtf.format(-Math.round(days / 365.25), "year");
  }
  function isStale(date) { return Date.now() - date.getTime() > config.staleHours * 3600000; }

  // ALKIS building function: "31001_1000" or "1000" -> "Wohngebäude".
  function functionName(code) {
    var text = String(code);
    var prefix = config.functionNames.prefix;
    var key = text.indexOf(prefix) === 0 ? text.slice(prefix.length) : text;
    return /^\d{4}$/.test(key) ? config.functionNames.names[key] : undefined;
  }

  // CityGML roof type (dachform.json): "3100", 3100, "3100.0" or a code after a code space or prefix
  // (".../RoofTypeTypeAdV.xml#3100", "x_3100") -> "Satteldach" / "Gabled roof"; the SIG3D codes 1010-1130 by
  // their AdV code. Unknown codes: undefined.
  function roofTypeName(code) {
    var match = /^(?:.*[_#/:])?(\d{4})(?:\.0+)?$/.exec(String(code).trim());
    if (!match) { return undefined; }
    var table = config.roofTypeNames;
    var entry = table.names[match[1]] || table.names[table.sig3d[match[1]]];
    return entry ? entry[lang] || entry.en : undefined;
  }

  // Country of an address as the source wrote it ("Germany", "Deutschland", "DE") -> its name in the page language,
  // by Intl.DisplayNames: every ISO 3166 two-letter code AA..ZZ the browser names (not the user-assigned AA, QM-QZ,
  // XA-XZ, ZZ) leads back from its English and German name and from itself. Unknown values: undefined.
  var COUNTRY_PROPERTY = /(^|[_.])country(_?name)?$/i;
  var USER_ASSIGNED = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;
  var countryCodes = null;
  function buildCountryCodes() {
    var codes = {};
    var namers = ["en", "de"].map(function (l) { return new Intl.DisplayNames([l], { type: "region" }); });
    for (var a = 65; a <= 90; a++) {
      for (var b = 65; b <= 90; b++) {
        var code = String.fromCharCode(a, b);
        if (USER_ASSIGNED.test(code)) { continue; }
        namers.forEach(function (namer) {
          var name = namer.of(code);
          if (name && name !== code) { codes[name.toLowerCase()] = code; codes[code.toLowerCase()] = code; }
        });
      }
    }
    return codes;
  }
  function countryName(value) {
    if (typeof Intl.DisplayNames !== "function") { return undefined; }
    countryCodes = countryCodes || buildCountryCodes();
    var key = String(value).trim().toLowerCase();
    var code = Object.prototype.hasOwnProperty.call(countryCodes, key) ? countryCodes[key] : null;
    return code ? new Intl.DisplayNames([lang], { type: "region" }).of(code) : undefined;
  }

  // Object classes (object_class, ifc_class) and other coded values by name in the page language: "Building" ->
  // "Gebäude", "IfcWall" -> "Wand (IfcWall)"; unknown values stay as they are.
  function className(value, withCode) {
    var text = String(value);
    var entry = Object.prototype.hasOwnProperty.call(config.classNames, text) ? config.classNames[text] : null;
    if (!entry) { return text; }
    var name = entry[lang] || entry.en;
    return withCode && text.indexOf("Ifc") === 0 ? name + " (" + text + ")" : name;
  }
  function valueName(property, value) {
    var names = config.valueNames[property];
    var entry = names && Object.prototype.hasOwnProperty.call(names, String(value)) ? names[String(value)] : null;
    return entry ? entry[lang] || entry.en : String(value);
  }

  // Static texts of the page (elements with data-i18n) in the current language.
  function translatePage() {
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (el) {
      el.textContent = tr(el.dataset.i18n);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (el) {
      el.setAttribute("aria-label", tr(el.dataset.i18nLabel));
    });
    var switcher = document.getElementById("lang-switch");
    switcher.textContent = lang === "de" ? "EN" : "DE";
    switcher.setAttribute("aria-label", tr("languageLabel"));
    switcher.title = tr("languageLabel");
    var toggle = document.getElementById("legend-toggle");
    toggle.textContent = tr(toggle.getAttribute("aria-expanded") === "true" ? "hideLegend" : "showLegend");
  }
  var languageListeners = [];
  document.getElementById("lang-switch").addEventListener("click", function () {
    lang = state.lang = lang === "de" ? "en" : "de";
    try { sessionStorage.setItem("geotwin-lang", lang); } catch (err) { /* storage blocked */ }
    translatePage();
    languageListeners.forEach(function (listener) { listener(); });
  });
  translatePage();
  var legendEl = document.getElementById("legend");
  var legendToggle = document.getElementById("legend-toggle");
  function setLegendOpen(open) {
    legendToggle.setAttribute("aria-expanded", open ? "true" : "false");
    legendEl.dataset.open = open ? "true" : "false";
    legendToggle.textContent = tr(open ? "hideLegend" : "showLegend");
  }
  legendToggle.addEventListener("click", function () { setLegendOpen(legendToggle.getAttribute("aria-expanded") !== "true"); });
  setLegendOpen(!window.matchMedia("(max-width: 600px)").matches);

  function setStatus(text, kind) {
    delete statusEl.dataset.i18n;  // no longer the static loading text
    statusEl.textContent = text;
    statusEl.dataset.state = kind;
  }

  function fail(message) {
    state.error = message;
    setStatus(message, "error");
    console.error("GeoTwin viewer: " + message);
  }

  if (typeof Cesium === "undefined") {
    fail(tr("cesiumMissing", { url: config.cesiumBaseUrl }));
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

  // ---------------------------------------------------------------- basemap
  // Default: Natural Earth II from the CesiumJS copy (offline); else the XYZ/WMTS template given at export.
  var attributionEl = document.getElementById("attribution");
  state.basemap = config.basemap.type;
  if (config.basemap.type === "xyz") {
    viewer.imageryLayers.addImageryProvider(new Cesium.UrlTemplateImageryProvider({
      url: config.basemap.url, maximumLevel: config.basemap.maxZoom, subdomains: config.basemap.subdomains,
      credit: config.basemap.attribution
    }));
    attributionEl.textContent = config.basemap.attribution;
    attributionEl.hidden = false;
  } else if (config.basemap.type === "bundled") {
    viewer.imageryLayers.add(Cesium.ImageryLayer.fromProviderAsync(
      Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"))));
    attributionEl.textContent = "Natural Earth II";
    attributionEl.hidden = false;
  }

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
      if (cls.kind) { item.dataset.kind = cls.kind; }
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = cls.color;
      swatch.style.opacity = alpha && cls.alpha !== undefined ? Math.max(cls.alpha, 0.15) : 1;
      item.appendChild(swatch);
      var text = document.createElement("span");
      text.className = "legend-label";
      text.dataset.label = cls.label;
      text.textContent = label(cls.label);
      item.appendChild(text);
      list.appendChild(item);
    });
    return section;
  }

  languageListeners.push(function () {
    Array.prototype.forEach.call(document.querySelectorAll(".legend-label"), function (el) {
      el.textContent = label(el.dataset.label);
    });
  });
  var legendSections = {};
  function buildLegend() {
    legendList("legend-function", config.functionClasses.concat([config.otherFunction]));
    legendSections.bim = legendList("legend-bim", config.bimClasses.concat([config.otherBim]), true);
    // other points (e.g. rooms) are listed once such pins are on the map
    legendSections.markers = legendList("legend-markers", config.markerClasses.concat([config.otherMarker]));
    legendSections.otherMarker = legendSections.markers.querySelector("li[data-kind='" + config.otherMarker.kind + "']");
    legendSections.otherMarker.hidden = true;
  }

  // The points' legend appears with the first pin of an overlay layer; "other points" with the first such pin.
  function revealMarker(kind) {
    if (!legendSections.markers) { return; }
    legendSections.markers.hidden = false;
    if (kind === config.otherMarker.kind) { legendSections.otherMarker.hidden = false; }
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
  var contentsShown = [];          // the tile contents drawn in the last frame (keyboard picking)
  var contentsThisFrame = [];
  function onTileVisible(tile) {
    var content = tile.content;
    if (!content || !content.featuresLength) { return; }
    contentsThisFrame.push(content);
    var info = contentInfo(content);
    if (info.bimBuilding) { bimThisFrame.add(info.bimBuilding); }
    info.shells.forEach(function (shell) {
      shell.feature.show = !(bimShown.has(shell.bim) || bimThisFrame.has(shell.bim));
    });
  }
  scene.postRender.addEventListener(function () {
    bimShown = bimThisFrame;
    bimThisFrame = new Set();
    contentsShown = contentsThisFrame;
    contentsThisFrame = [];
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

  // The export's quantized-mesh terrain (DGM or TIN relief, heights as the buildings'), beside the tileset.
  async function loadTerrain() {
    if (!config.terrainUrl) { return; }
    try {
      viewer.terrainProvider = await Cesium.CesiumTerrainProvider.fromUrl(config.terrainUrl,
        { requestVertexNormals: true });
      state.terrain = true;
    } catch (err) {
      console.warn("GeoTwin viewer: terrain " + config.terrainUrl + " not loaded: " + (err && err.message || err));
    }
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
    function render() {  // again in the other language after a switch
      el.textContent = tr("heights") + ": " + model.description +
        (isFinite(error) ? " (" + tr("expectedError") + " \u00b1" + formatNumber(error) + " m)" : "");
    }
    render();
    languageListeners.push(render);
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
  var shownLinks = new Set();  // each link once per info box
  var shownSensor = null;      // the sensor entity of the info box: {entity, fill (its value line), node}
  var shownProps = new Set();  // properties the highlights show: no table row repeats them
  function shown(key) { config.overlayProperties[key].forEach(function (n) { shownProps.add(n); }); }
  var lastShown = null;        // re-rendered when the language changes
  var returnFocus = null;      // the element focused before the panel opened
  var untranslated = new Set();  // property names shown without a label of the current language
  state.untranslated = function () { return Array.from(untranslated); };
  var extras = state.extras = { series: null, availability: null };

  function isHttpUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value);
  }

  function link(url, text) {
    var a = document.createElement("a");
    a.href = url;
    a.textContent = text || url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    shownLinks.add(url);
    return a;
  }

  function timeElement(date, text) {
    var el = document.createElement("time");
    el.dateTime = date.toISOString();
    el.textContent = text || formatTime(date);
    return el;
  }

  // A stored value as the reader should see it: numbers rounded (decimal comma in German), times
  // local (Europe/Berlin), function codes and countries by name, units by property name.
  function formatValue(value, name) {
    if (value === undefined || value === null) { return ""; }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) {
      return Array.prototype.map.call(value, function (v) { return formatValue(v); }).join(", ");
    }
    if (typeof value === "object") { return JSON.stringify(value); }
    if (name === config.functionProperty) {
      var fname = functionName(value);
      return fname ? fname + " (" + value + ")" : String(value);
    }
    if (name === config.roofTypeProperty) {
      var roof = roofTypeName(value);
      return roof ? roof + " (" + value + ")" : String(value);
    }
    if (config.classProperties.indexOf(name) >= 0) { return className(value, true); }
    if (config.valueNames[name]) { return valueName(name, value); }
    if (name && COUNTRY_PROPERTY.test(name) && typeof value === "string") { return countryName(value) || value; }
    var date = parseTime(value);
    if (date) { return formatTime(date); }
    // numbers, and decimal numbers stored as text (whole numbers in text are usually codes: kept)
    var numeric = typeof value === "number" || typeof value === "bigint" ||
      (typeof value === "string" && /^-?\d+\.\d+$/.test(value));
    if (numeric && !(name && NOT_NUMBERS.test(name))) {
      var unit = null, digits;
      PROPERTY_UNITS.forEach(function (u) { if (name && u[0].test(name)) { unit = u[1]; digits = u[2]; } });
      return formatNumber(value, digits) + (unit ? "\u00a0" + unit : "");
    }
    return String(value);
  }
  state.formatValue = formatValue;

  function empty(value) {
    if (!present(value)) { return true; }
    if (typeof value === "string" && /^(null|none|nan|\[\]|\{\})$/i.test(value.trim())) { return true; }
    if (Array.isArray(value) && !value.length) { return true; }
    return typeof value === "object" && !ArrayBuffer.isView(value) && !Array.isArray(value) &&
      !Object.keys(value).length;
  }

  function addRow(name, value, title) {
    if (empty(value)) { return; }
    if (isHttpUrl(value) && shownLinks.has(value)) { return; }
    if (!title && !PROPERTY_LABELS[lang][name]) { untranslated.add(name); }
    var row = infoBody.insertRow();
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = title || propertyLabel(name);
    row.appendChild(th);
    var td = row.insertCell();
    var date = parseTime(value);
    if (isHttpUrl(value)) { td.appendChild(link(value)); } else if (date) { td.appendChild(timeElement(date)); } else {
      td.textContent = formatValue(value, name);
    }
  }

  // A JSON cell (object or array text) expanded into rows name.key; anything else one row.
  function addEntry(name, value, depth) {
    if (typeof value === "string" && /^\s*[[{]/.test(value)) {
      try { value = JSON.parse(value); } catch (err) { /* not JSON: shown as text */ }
    }
    if (value && typeof value === "object" && !ArrayBuffer.isView(value) && (depth || 0) < 3) {
      if (Array.isArray(value) && value.every(function (v) { return v === null || typeof v !== "object"; })) {
        addRow(name, value.filter(function (v) { return !empty(v); }));
        return;
      }
      Object.keys(value).forEach(function (key) {
        addEntry(name + "." + key, value[key], (depth || 0) + 1);
      });
      return;
    }
    addRow(name, value, name.indexOf(".") > 0 ?
      propertyLabel(name.split(".")[0]) + ": " + propertyLabel(name.split(".").slice(1).join(" ")) : undefined);
  }

  // Every attribute, the leading ones (id, IFC class) first; highlights (links) rendered first so
  // that the table does not repeat them.
  function showProperties(title, entries, leading, highlights) {
    infoBody.textContent = "";
    infoHighlights.textContent = "";
    shownSensor = null;
    shownLinks = new Set();
    shownProps = new Set();
    infoTitle.textContent = title;
    if (highlights) { highlights(); }
    leading = [].concat(leading || []);
    function rank(name) {
      var i = leading.indexOf(name);
      return i < 0 ? leading.length : i;
    }
    entries.sort(function (a, b) { return rank(a[0]) - rank(b[0]); });
    entries.forEach(function (entry) { if (!shownProps.has(entry[0])) { addEntry(entry[0], entry[1]); } });
    var wasHidden = info.hidden;
    info.hidden = false;
    document.body.classList.add("info-open");
    if (wasHidden) {
      returnFocus = document.activeElement;
      info.focus({ preventScroll: true });
    }
  }

  // Closed by keyboard or its button: the focus goes back to the control that had it before the panel
  // opened (a map click leaves it on the page).
  function closeInfo() {
    var back = returnFocus;
    hideInfo();
    if (back && back !== document.body && document.contains(back) && back.getClientRects().length) {
      back.focus({ preventScroll: true });
    } else if (document.activeElement && info.contains(document.activeElement)) {
      document.activeElement.blur();
    }
  }

  function hideInfo() {
    info.hidden = true;
    document.body.classList.remove("info-open");
    infoHighlights.textContent = "";
    shownSensor = null;
    state.pickedId = null;
    state.picked = null;
    lastShown = null;
    if (highlighted) {
      if (!highlighted.feature.content.isDestroyed()) {  // its tile may have been unloaded since
        highlighted.feature.color = highlighted.color;
      }
      highlighted = null;
    }
  }
  document.getElementById("info-close").addEventListener("click", closeInfo);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !info.hidden) { closeInfo(); }
  });
  languageListeners.push(function () { if (lastShown) { lastShown(); } });

  // A tile feature: a building, a BIM element (global_id and IFC class first) or the marker of a
  // learning island or sensor (with the same highlights as its overlay point, whose sensor values
  // are refreshed from SensorThings).
  function showFeature(feature) {
    var kind = featureKind(feature);
    var ids = feature.getPropertyIds();
    var entries = ids.map(function (name) { return [name, feature.getProperty(name)]; });
    var idName = featureIdName(feature, kind);
    var id = feature.getProperty(idName);
    var overlay = present(id) ? overlayById[kind + ":" + id] : undefined;
    var ifcClass = kind === "bim" ? feature.getProperty(config.bimClassProperty) : undefined;
    var name = kind === "building" ? undefined : kind === "bim" ? feature.getProperty("name") : featureGet(feature, "name");
    function render() {  // again after a language switch: the title names the IFC class in the page language
      var title = kind === "bim" ? (present(name) ? className(ifcClass) + " · " + name : className(ifcClass)) :
        kind === "building" ? id : name;
      showProperties(present(title) ? String(title) : tr("building"), entries,
        kind === "bim" ? [idName, config.bimClassProperty] : [idName], function () {
          if (kind === "island" || kind === "sensor") {
            showHighlights(kind, overlay ? entityGetter(overlay) : function (key) { return featureGet(feature, key); },
              overlay, id, feature.hasProperty("sensor_key") ? feature.getProperty("sensor_key") : id);
          }
        });
      state.picked = { kind: kind, properties: ids.length, text: info.textContent };
    }
    render();
    lastShown = render;
    state.pickedId = present(id) ? String(id) : null;
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

  // Booking link, hours, seats and free/busy state of an island; latest value (stale ones marked),
  // time, chart and SensorThings link of a sensor.
  function showHighlights(kind, get, entity, id, sensorKey) {
    if (kind === "island") {
      ["booking", "openingHours", "seats"].forEach(shown);
      var slot = extras.availability && extras.availability.islands ? extras.availability.islands[id] : undefined;
      if (slot) { availabilityParagraphs(slot); }
      var booking = get("booking");
      if (isHttpUrl(booking) && !shownLinks.has(booking)) { paragraph([link(booking, tr("book"))]); }
      var hours = get("openingHours");
      if (hours !== undefined && !(slot && slot.opening_hours === hours)) {
        paragraph([tr("hours") + ": " + formatValue(hours)]);
      }
      var seats = get("seats");
      if (seats !== undefined) { paragraph([tr("seats") + ": " + formatValue(seats)]); }
    } else if (kind === "sensor") {
      ["value", "unit", "time", "link"].forEach(shown);
      var value = document.createElement("span");
      value.className = "value";
      paragraph([value]);
      var measured = document.createElement("p");
      measured.className = "measured";
      infoHighlights.appendChild(measured);
      // the big value and its time, filled again when a sensor refresh brings a new observation
      var fill = function () {
        value.textContent = entity ? sensorText(entity) : valueText(get("value"), get("unit"), get("property"));
        measured.textContent = "";
        var when = get("time");
        var date = parseTime(when);
        var parts = [];
        if (date) {
          parts = [tr("measured") + ": ", timeElement(date)];
          if (isStale(date)) {
            var mark = document.createElement("strong");
            mark.className = "stale";
            mark.textContent = " " + tr("staleAge", { age: formatAge(Date.now() - date.getTime()) });
            parts.push(mark);
          }
        } else if (when !== undefined) {
          parts = [tr("measured") + ": " + formatValue(when)];
        }
        parts.forEach(function (c) { measured.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
        measured.hidden = parts.length === 0;
      };
      fill();
      shownSensor = entity ? { entity: entity, fill: fill, node: value } : null;
      var series = extras.series ? extras.series[sensorKey] || extras.series[id] : undefined;
      var sta = get("link");
      if (liveChart && isHttpUrl(sta)) {  // live from SensorThings, series.json when unreachable (live_chart.js)
        infoHighlights.appendChild(liveChart.element(sta, series, String(sensorKey || id), get("unit")));
      } else if (series) { infoHighlights.appendChild(chart(series, String(sensorKey || id))); }
      if (isHttpUrl(sta)) { paragraph([link(sta, tr("sta"))]); }
    }
  }

  // From availability.json: the opening hours now (its "hours": [start, end, open|closed|unknown, comment?]
  // without gaps) and the busy intervals: "closed (opens Mo 08:00)", "opening hours unknown (nach Vereinbarung)",
  // "free now until 10:00 (closes 18:00)", "busy until 11:30"; an older file without hours: busy times only.
  function availabilityParagraphs(slot) {
    var now = Date.now();
    var busy = (slot.busy || []).map(function (pair) { return [Date.parse(pair[0]), Date.parse(pair[1])]; })
      .filter(function (p) { return isFinite(p[0]) && isFinite(p[1]) && p[1] > now; })
      .sort(function (a, b) { return a[0] - b[0]; });
    var rows = Array.isArray(slot.hours) ? slot.hours.map(function (r) {
      return { a: Date.parse(r[0]), b: Date.parse(r[1]), state: r[2], note: r[3] };
    }).filter(function (r) { return isFinite(r.a) && isFinite(r.b); }) : null;
    var el = document.createElement("span");
    el.className = "availability";
    var current = busy.filter(function (p) { return p[0] <= now; });
    var busyEnd = null;
    if (current.length) {
      busyEnd = Math.max.apply(null, current.map(function (p) { return p[1]; }));
      busy.forEach(function (p) { if (p[0] <= busyEnd && p[1] > busyEnd) { busyEnd = p[1]; } });  // back-to-back
    }
    // a time today as HH:MM, another day with its weekday ("Mo 08:00"), in the viewer's time zone
    function day(ms) {
      return new Intl.DateTimeFormat("en-CA", { timeZone: config.timeZone, year: "numeric", month: "2-digit",
                                                 day: "2-digit" }).format(new Date(ms));
    }
    function at(ms) {
      if (day(ms) === day(now)) { return formatTime(new Date(ms), true); }
      var weekday = new Intl.DateTimeFormat(locale(), { timeZone: config.timeZone, weekday: "short" })
        .format(new Date(ms)).replace(/\.$/, "");
      return weekday + " " + formatTime(new Date(ms), true);
    }
    // the first instant from now on that is surely open and not busy
    function nextFree() {
      for (var i = 0; rows && i < rows.length; i++) {
        if (rows[i].state !== "open" || rows[i].b <= now) { continue; }
        var t = Math.max(rows[i].a, now);
        busy.forEach(function (p) { if (p[0] <= t && p[1] > t) { t = p[1]; } });
        if (t < rows[i].b) { return t; }
      }
      return null;
    }
    var row = rows ? rows.filter(function (r) { return r.a <= now && now < r.b; })[0] : null;
    var state = rows ? (row ? row.state : "unknown") : busyEnd !== null ? "busy" : "free";
    var free = null;
    if (state === "open") { state = busyEnd !== null ? "busy" : "free"; }
    if (state === "busy") {
      el.textContent = tr("busyUntil", { time: formatTime(new Date(busyEnd), true) });
      free = rows ? nextFree() : busyEnd;
    } else if (state === "free" && rows) {
      var closes = row !== rows[rows.length - 1] ? row.b : null;  // the last row ends with the horizon, not closing
      var next = busy.filter(function (p) { return p[0] > now && (closes === null || p[0] < closes); })[0];
      el.textContent = next ? (closes !== null ? tr("freeUntilCloses", { time: at(next[0]), closes: at(closes) }) :
                                 tr("freeUntil", { time: at(next[0]) })) :
        closes !== null ? tr("freeCloses", { closes: at(closes) }) : tr("freeNow");
    } else if (state === "free") {
      el.textContent = busy.length ? tr("freeUntil", { time: formatTime(new Date(busy[0][0]), true) }) : tr("freeNow");
    } else if (state === "closed") {
      var opens = rows.filter(function (r) { return r.state === "open" && r.a > now; })[0];
      el.textContent = opens ? tr("closedOpens", { time: at(opens.a) }) : tr("closedNow");
      free = nextFree();
      if (opens && free === opens.a) { free = null; }  // free as soon as it opens: said already
    } else {
      state = "unknown";
      var why = row && row.note === "open end, closing time unknown" ? tr("openEnd") : row && row.note;
      el.textContent = present(why) ? tr("hoursUnknownWhy", { why: why }) : tr("hoursUnknown");
      free = nextFree();
    }
    el.dataset.state = state;
    paragraph([el]);
    if (free !== null) { paragraph([tr("nextFree", { time: formatTime(new Date(free)) })]); }
    if (present(slot.opening_hours)) { paragraph([tr("hours") + ": " + slot.opening_hours]); }
    if (isHttpUrl(slot.booking_url)) { paragraph([link(slot.booking_url, tr("book"))]); }
  }

  // A small line chart (inline SVG) of a sensor's series; each point keeps its value and time.
  function chart(series, name) {
    var ns = "http://www.w3.org/2000/svg";
    var w = 300, h = 90, pad = 4;
    var pts = [];
    (series.t || []).forEach(function (time, i) {
      var ms = Date.parse(time), v = Number((series.v || [])[i]);
      if (isFinite(ms) && isFinite(v)) { pts.push([ms, v, time]); }
    });
    var figure = document.createElement("figure");
    figure.className = "chart";
    if (!pts.length) { return figure; }
    var t0 = pts[0][0], t1 = pts[pts.length - 1][0];
    var vmin = Math.min.apply(null, pts.map(function (p) { return p[1]; }));
    var vmax = Math.max.apply(null, pts.map(function (p) { return p[1]; }));
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("role", "img");
    var unit = series.unit && series.unit !== "1" ? " " + series.unit : "";
    svg.setAttribute("aria-label", tr("chart", { name: series.property || name }) + ": " +
      formatNumber(vmin) + "\u2013" + formatNumber(vmax) + unit);
    svg.dataset.vmin = vmin; svg.dataset.vmax = vmax;
    function x(ms) { return t1 > t0 ? pad + (ms - t0) / (t1 - t0) * (w - 2 * pad) : w / 2; }
    function y(v) { return vmax > vmin ? h - pad - (v - vmin) / (vmax - vmin) * (h - 2 * pad) : h / 2; }
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.map(function (p) { return x(p[0]).toFixed(2) + "," + y(p[1]).toFixed(2); }).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "#1565c0");
    line.setAttribute("stroke-width", "1.5");
    svg.appendChild(line);
    pts.forEach(function (p) {
      var dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", x(p[0]).toFixed(2));
      dot.setAttribute("cy", y(p[1]).toFixed(2));
      dot.setAttribute("r", "1.8");
      dot.setAttribute("fill", "#1565c0");
      dot.dataset.value = String(p[1]);
      dot.dataset.time = p[2];
      var tip = document.createElementNS(ns, "title");
      tip.textContent = formatTime(new Date(p[0])) + ": " + formatNumber(p[1]) + unit;
      dot.appendChild(tip);
      svg.appendChild(dot);
    });
    figure.appendChild(svg);
    var caption = document.createElement("figcaption");
    caption.textContent = (series.property || name) + unit.replace(/^ /, " [") + (unit ? "]" : "") + ": " +
      formatNumber(vmin) + "\u2013" + formatNumber(vmax) + ", " +
      tr("chartRange", { from: formatTime(new Date(t0)), to: formatTime(new Date(t1)) });
    figure.appendChild(caption);
    return figure;
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
    var kind = entity.geotwinKind;
    var idValue = bag ? prop(bag, "id", time) : undefined;
    var sensorKey = bag && bag.hasProperty("sensor_key") ? bag.sensor_key.getValue(time) : idValue;
    function render() {
      showProperties(name === undefined ? entity.id : String(name), entries, idName, function () {
        if (bag) { showHighlights(kind, entityGetter(entity), entity, idValue, sensorKey); }
      });
      state.picked = { kind: kind || "overlay", layer: entity.geotwinLayer, text: info.textContent };
    }
    render();
    lastShown = render;
    state.pickedId = String(idValue === undefined ? entity.id : idValue);
  }

  // ---------------------------------------------------------------- overlays (GeoJSON)
  // A pin (a box on a spike, its point at the bottom centre) as a PNG data URL: the fill inside a halo ring inside
  // a dark edge (config.pinStyle: the pin stands out against its ring, the ring against any map behind it), the
  // symbol or a cluster's count in the text colour in the box. Cached: equal pins share one image.
  var pinCache = {};
  function pinImage(text, color, size) {
    var key = [text, color, size].join("|");
    if (pinCache[key]) { return pinCache[key]; }
    var style = config.pinStyle, pad = style.haloWidth + style.edgeWidth;
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    var ctx = canvas.getContext("2d");
    var s = (size - 2 * pad) / 24;
    function path() {  // CesiumJS PinBuilder's outline in a 24 px box
      ctx.beginPath();
      ctx.moveTo(6.72, 0.422); ctx.lineTo(17.28, 0.422);
      ctx.bezierCurveTo(18.553, 0.422, 19.577, 1.758, 19.577, 3.415); ctx.lineTo(19.577, 10.973);
      ctx.bezierCurveTo(19.577, 12.63, 18.553, 13.966, 17.282, 13.966); ctx.lineTo(14.386, 14.008);
      ctx.lineTo(11.826, 23.578); ctx.lineTo(9.614, 14.008); ctx.lineTo(6.719, 13.965);
      ctx.bezierCurveTo(5.446, 13.983, 4.422, 12.629, 4.422, 10.972); ctx.lineTo(4.422, 3.416);
      ctx.bezierCurveTo(4.423, 1.76, 5.447, 0.423, 6.718, 0.423);
      ctx.closePath();
    }
    ctx.save();
    ctx.translate(pad, pad);
    ctx.scale(s, s);
    ctx.lineJoin = "round";
    path();
    ctx.strokeStyle = style.edge;
    ctx.lineWidth = 2 * pad / s;
    ctx.stroke();
    ctx.strokeStyle = style.halo;
    ctx.lineWidth = 2 * style.haloWidth / s;
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fill();
    ctx.restore();
    var width = 14 * s;  // the box's inner width
    var font = Math.min(Math.round(size * 0.38), Math.floor(width / (0.62 * String(text).length)));
    ctx.font = "bold " + font + "px sans-serif";
    ctx.fillStyle = style.text;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(String(text), size / 2, pad + 7.3 * s);
    return (pinCache[key] = canvas.toDataURL());
  }
  state.pinImage = pinImage;
  var overlayById = {};  // "kind:id" -> entity, so that a marker in the tileset shows refreshed values

  // A unitless occupancy (a parking space: 0 free, 1 occupied) reads as words, not as "0" or "1".
  var OCCUPANCY = /occupancy|belegung/i;
  function valueText(value, unit, property) {
    if (value === undefined) { return tr("noValue"); }
    var u = unit === undefined || unit === null ? "" : String(unit).trim();
    if (OCCUPANCY.test(String(property || "")) && (u === "" || u === "1") && isFinite(Number(value)) &&
        String(value).trim() !== "") {
      return tr(Number(value) >= 0.5 ? "occupied" : "free");
    }
    var shown = typeof value === "number" || /^-?\d+(\.\d+)?$/.test(String(value)) ? formatNumber(value) : formatValue(value);
    return shown + (u === "" || u === "1" ? "" : "\u00a0" + u);  // "1": a count
  }

  function sensorText(entity) {
    var time = viewer.clock.currentTime;
    return valueText(prop(entity.properties, "value", time), prop(entity.properties, "unit", time),
      prop(entity.properties, "property", time));
  }

  function classify(entity) {
    var time = viewer.clock.currentTime;
    var bag = entity.properties;
    if (!bag) { return "feature"; }
    if (prop(bag, "booking", time) !== undefined || prop(bag, "seats", time) !== undefined) { return "island"; }
    if (prop(bag, "value", time) !== undefined || prop(bag, "link", time) !== undefined) { return "sensor"; }
    return "feature";
  }

  // Each kind's pin: its symbol and fill (the legend's colours; other points config.otherMarker).
  var SYMBOLS = { island: "L", sensor: "S", feature: "?" };
  var kindStyle = {};
  config.markerClasses.concat([config.otherMarker]).forEach(function (cls) {
    kindStyle[cls.kind] = { symbol: SYMBOLS[cls.kind] || "?", color: cls.color };
  });

  function styleOverlay(entity, layerName) {
    var kind = classify(entity);
    entity.geotwinKind = kind;
    entity.geotwinLayer = layerName;
    var id = entity.properties ? prop(entity.properties, "id", viewer.clock.currentTime) : undefined;
    if (present(id)) { overlayById[kind + ":" + id] = entity; }
    if (!entity.position) { return; }
    revealMarker(kind);
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
      image: pinImage(kindStyle[kind].symbol, kindStyle[kind].color, 40),
      verticalOrigin: Cesium.VerticalOrigin.BOTTOM,
      heightReference: heightReference,
      disableDepthTestDistance: Number.POSITIVE_INFINITY
    });
    if (kind === "sensor") {
      // the value on a dark box (config.labelStyle): an outline drawn glyph by glyph left thin text grey and a
      // decimal comma invisible
      var look = config.labelStyle;
      entity.label = new Cesium.LabelGraphics({
        text: new Cesium.CallbackProperty(function () { return sensorText(entity); }, false),
        font: look.font,
        fillColor: Cesium.Color.fromCssColorString(look.text),
        style: Cesium.LabelStyle.FILL,
        showBackground: true,
        backgroundColor: Cesium.Color.fromCssColorString(look.background).withAlpha(look.backgroundAlpha),
        backgroundPadding: new Cesium.Cartesian2(look.padding[0], look.padding[1]),
        verticalOrigin: Cesium.VerticalOrigin.BOTTOM,
        pixelOffset: new Cesium.Cartesian2(0, -44),
        distanceDisplayCondition: new Cesium.DistanceDisplayCondition(0, 700),  // no pile of labels at overview
        heightReference: heightReference,
        disableDepthTestDistance: Number.POSITIVE_INFINITY
      });
    }
  }

  // CesiumJS reclusters when the camera has changed by half a view (percentageChanged): the clusters are also
  // recomputed when a move ends, so that they match the view the camera stops at.
  var PIXEL_RANGE = 36;
  function recluster() {
    for (var i = 0; i < viewer.dataSources.length; i++) {
      var clustering = viewer.dataSources.get(i).clustering;
      clustering.pixelRange = PIXEL_RANGE + 1e-6;  // a changed range marks the clusters dirty
      clustering.pixelRange = PIXEL_RANGE;
    }
  }
  viewer.camera.percentageChanged = 0.1;
  viewer.camera.moveEnd.addEventListener(recluster);

  function loadLayer(layer) {
    return Cesium.GeoJsonDataSource.load(layer.url, { clampToGround: state.groundHeight === null }).then(function (source) {
      source.name = layer.name;
      // Pins closer than 36 px on screen gather into one counted pin at overview.
      source.clustering.enabled = true;
      source.clustering.pixelRange = PIXEL_RANGE;
      source.clustering.minimumClusterSize = 3;
      source.clustering.clusterEvent.addEventListener(function (entities, cluster) {
        var kind = entities[0] && entities[0].geotwinKind || "feature";
        cluster.label.show = false;
        cluster.billboard.show = true;
        cluster.billboard.verticalOrigin = Cesium.VerticalOrigin.BOTTOM;
        cluster.billboard.disableDepthTestDistance = Number.POSITIVE_INFINITY;
        cluster.billboard.image = pinImage(String(entities.length), kindStyle[kind].color, 48);
        cluster.billboard.id = entities;  // CesiumJS gives only the label the entities: a click zooms to them
        state.clusters = (state.clusters || 0) + 1;
      });
      source.entities.values.forEach(function (entity) { styleOverlay(entity, layer.name); });
      state.layers[layer.name] = { count: source.entities.values.length };
      return viewer.dataSources.add(source);
    }, function (err) {
      state.layers[layer.name] = { count: 0, error: String(err) };
      console.warn("GeoTwin viewer: overlay " + layer.name + " not loaded: " + err);
    });
  }

  // ---------------------------------------------------------------- sensor refresh (SensorThings)
  // The info box's chart live from SensorThings (live_chart.js), refreshed with the sensor values.
  var liveChart = window.GeoTwinLiveChart ? window.GeoTwinLiveChart({
    config: config, state: state, lang: function () { return lang; }, chart: chart, parseTime: parseTime,
    formatNumber: formatNumber, formatTime: formatTime, formatAge: formatAge, isStale: isStale, timeElement: timeElement
  }) : null;

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
        // the open info box of this sensor: its big value and time follow (the chart refreshes itself)
        if (shownSensor && shownSensor.entity === entity && shownSensor.node.isConnected) { shownSensor.fill(); }
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
    if (liveChart) { jobs.push(liveChart.refresh()); }
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
    } else if (Cesium.defined(picked) && Array.isArray(picked.id) && picked.id.length) {
      // a cluster of pins: zoom to its points
      var time = viewer.clock.currentTime;
      var points = picked.id.map(function (e) { return e.position && e.position.getValue(time); }).filter(Boolean);
      if (points.length) {
        var sphere = Cesium.BoundingSphere.fromPoints(points);
        sphere.radius = Math.max(sphere.radius * 1.5, 40);
        flyTo(sphere);
      }
    }
  }, Cesium.ScreenSpaceEventType.LEFT_CLICK);

  // ---------------------------------------------------------------- keyboard picking
  // The map is a Tab stop: the arrow keys step through the pins in view (every point, also one drawn inside a
  // cluster pin; in reading order) and then the buildings of the tiles in view (by name), Home/End to the first
  // and last; Enter opens the info panel a click opens, Escape closes it and the focus returns to the map.
  // #pick-hint (aria-live) says which object is chosen. State: window.geotwin.keyboard.
  var mapEl = document.getElementById("cesiumContainer");
  var pickHint = document.getElementById("pick-hint");
  var keyItems = [], keyIndex = -1, keyMarked = null;
  state.keyboard = { count: 0, index: -1, current: null, hint: "" };

  function pinItems() {
    var time = viewer.clock.currentTime, width = scene.canvas.clientWidth, height = scene.canvas.clientHeight;
    var items = [];
    for (var i = 0; i < viewer.dataSources.length; i++) {
      viewer.dataSources.get(i).entities.values.forEach(function (entity) {
        var position = entity.show && entity.position && entity.position.getValue(time);
        var xy = position && Cesium.SceneTransforms.worldToWindowCoordinates(scene, position);
        if (!xy || xy.x < 0 || xy.y < 0 || xy.x > width || xy.y > height) { return; }
        var bag = entity.properties;
        var id = bag ? prop(bag, "id", time) : undefined;
        var name = bag ? prop(bag, "name", time) : undefined;
        items.push({ type: "pin", kind: entity.geotwinKind || "feature", entity: entity, x: xy.x, y: xy.y,
                     id: String(present(id) ? id : entity.id), name: String(present(name) ? name : entity.id) });
      });
    }
    // reading order: rows of 40 px (a pin's height), left to right
    return items.sort(function (a, b) { return Math.round(a.y / 40) - Math.round(b.y / 40) || a.x - b.x; });
  }

  function buildingItems() {
    var seen = new Set(), items = [];
    contentsShown.forEach(function (content) {
      if (content.isDestroyed()) { return; }
      for (var i = 0; i < content.featuresLength; i++) {
        var feature = content.getFeature(i);
        if (featureKind(feature) !== "building" || feature.show === false) { continue; }
        var parent = feature.hasProperty(config.parentProperty) ? feature.getProperty(config.parentProperty) : null;
        var id = feature.getProperty(config.idProperty);
        if (present(parent) || !present(id) || seen.has(String(id))) { continue; }  // a part: its building is listed
        seen.add(String(id));
        var name = featureGet(feature, "name");
        items.push({ type: "building", kind: "building", feature: feature, id: String(id),
                     name: String(present(name) ? name : id) });
      }
    });
    return items.sort(function (a, b) { return a.name.localeCompare(b.name, locale(), { numeric: true }); });
  }

  function kindName(kind) {
    return tr({ island: "kindIsland", sensor: "kindSensor", building: "kindBuilding" }[kind] || "kindFeature");
  }

  function unmarkKey() {
    if (!keyMarked) { return; }
    if (keyMarked.entity && keyMarked.entity.billboard) { keyMarked.entity.billboard.scale = 1; }
    if (keyMarked.feature && !keyMarked.feature.content.isDestroyed()) { keyMarked.feature.color = keyMarked.color; }
    keyMarked = null;
  }

  function markKey(item) {
    unmarkKey();
    if (item.entity && item.entity.billboard) {
      item.entity.billboard.scale = 1.4;
      keyMarked = { entity: item.entity };
    } else if (item.feature && !item.feature.content.isDestroyed()) {
      keyMarked = { feature: item.feature, color: Cesium.Color.clone(item.feature.color) };
      item.feature.color = Cesium.Color.YELLOW;
    }
  }

  function announce(text) {
    pickHint.textContent = text;  // never hidden: a live region must stay in the accessibility tree
    state.keyboard.hint = text;
  }

  function announceKey() {
    var item = keyItems[keyIndex];
    state.keyboard.count = keyItems.length;
    state.keyboard.index = keyIndex;
    state.keyboard.current = item ? { type: item.type, kind: item.kind, id: item.id, name: item.name } : null;
    if (!keyItems.length) { announce(tr("pickNone")); return; }
    announce(item ? tr("pickItem", { kind: kindName(item.kind), name: item.name, i: keyIndex + 1, n: keyItems.length })
      : tr("pickCount", { n: keyItems.length }));
  }

  // The objects in view now; the chosen one stays chosen when it still is in view.
  function refreshKeyItems() {
    var current = keyItems[keyIndex];
    keyItems = pinItems().concat(buildingItems());
    keyIndex = current ? keyItems.findIndex(function (item) { return item.type === current.type && item.id === current.id; })
      : -1;
  }

  function stepKey(to) {
    refreshKeyItems();
    if (!keyItems.length) { keyIndex = -1; unmarkKey(); announceKey(); return; }
    keyIndex = to === "first" ? 0 : to === "last" ? keyItems.length - 1 :
      keyIndex < 0 ? (to > 0 ? 0 : keyItems.length - 1) : (keyIndex + to + keyItems.length) % keyItems.length;
    markKey(keyItems[keyIndex]);
    announceKey();
  }

  function openKey() {
    var item = keyItems[keyIndex];
    if (!item || (item.feature && item.feature.content.isDestroyed())) { stepKey(0); return; }
    unmarkKey();
    hideInfo();
    if (item.entity) { showOverlay(item.entity); } else { showFeature(item.feature); }
  }

  var KEY_STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: "first", End: "last" };
  mapEl.addEventListener("keydown", function (event) {
    if (event.target !== mapEl || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (Object.prototype.hasOwnProperty.call(KEY_STEPS, event.key)) {
      stepKey(KEY_STEPS[event.key]);
    } else if (event.key === "Enter" || event.key === " ") {
      if (keyIndex < 0) { stepKey(1); } else { openKey(); }
    } else {
      return;
    }
    event.preventDefault();
  });
  mapEl.addEventListener("focus", function () {
    if (!mapEl.matches(":focus-visible")) { return; }  // a mouse or touch on the map: no keyboard choice shown
    refreshKeyItems();
    if (keyIndex >= 0) { markKey(keyItems[keyIndex]); }
    announceKey();
  });
  mapEl.addEventListener("blur", function () { unmarkKey(); announce(""); });
  languageListeners.push(function () { if (document.activeElement === mapEl) { announceKey(); } });

  // ---------------------------------------------------------------- search
  // A combobox (WAI-ARIA 1.2): typing lists the buildings (id, name, address, position from the sharded index
  // beside the tileset, search/index.json and one shard per query, loaded on use) and the overlay points (id, name)
  // whose words start with every typed word (case, accents and ß folded); the arrow keys choose, Enter (or a click)
  // flies there and opens the info panel, Escape closes the list, then clears the box. State: window.geotwin.search
  // (shards: the prefixes of the shards loaded, in order).
  var searchInput = document.getElementById("search-input");
  var searchList = document.getElementById("search-results");
  var searchStatus = document.getElementById("search-status");
  var searchIndex = null, searchShards = {}, searchHits = [], searchActive = -1, SEARCH_LIMIT = 10;
  state.search = { loaded: false, buildings: 0, shards: [], hits: [], active: -1, chosen: null, shown: null };

  // the same folding as twin/tiles/search_index.py fold and words (tests/twin/tiles/test_search_fold.py)
  function fold(text) {
    return String(text).toLocaleLowerCase("de").replace(/\u00df/g, "ss").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "");
  }
  function words(text) { return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean); }
  function chars(text) { return Array.from(text); }

  function loadSearchIndex() {
    if (searchIndex) { return searchIndex; }
    searchIndex = !config.searchUrl ? Promise.resolve(null) : fetch(config.searchUrl)
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .catch(function (err) {
        console.warn("GeoTwin viewer: search index " + config.searchUrl + " not loaded: " + err.message);
        return null;
      })
      .then(function (index) {
        state.search.loaded = true;
        state.search.buildings = index ? index.buildings : 0;
        return index;
      });
    return searchIndex;
  }

  // A word's shard: its first index.prefix characters, one more for each split shard it starts with; "broad"
  // when the word is exactly a split shard's prefix (its buildings are spread over that shard's parts) or a word
  // nearly every building shares (index.broad: the city's name; its shard is not written).
  function shardOf(index, token) {
    var c = chars(token), n = Math.min(index.prefix, c.length), key = c.slice(0, n).join(""), shard = index.shards[key];
    while (shard && shard.split && c.length > n) {
      n += 1;
      key = c.slice(0, n).join("");
      shard = index.shards[key];
    }
    return { key: key, rows: shard && !shard.split ? shard.rows : 0, file: shard && !shard.split ? shard.file : null,
             broad: !!(shard && shard.split) || (key === token && (index.broad || []).indexOf(key) >= 0) };
  }

  // The shard that holds every building matching the query's words: of its words of two or more characters the
  // one whose shard lists the fewest buildings (a word's shard lists each building with a word starting so).
  // None when all those words are broad, or for a single one-character word (typing the first letter loads
  // nothing; the page then searches the pins only and asks for more); one-character words only: the smallest of
  // their shards (the buildings with that word).
  function pickShard(index, tokens) {
    var long = tokens.filter(function (t) { return chars(t).length > 1; });
    if (!long.length && tokens.length < 2) { return null; }
    var best = null;
    (long.length ? long : tokens).forEach(function (t) {
      var shard = shardOf(index, t);
      if (!shard.broad && (best === null || shard.rows < best.rows)) {
        best = { key: shard.key, rows: shard.rows, file: shard.file };
      }
    });
    return best;
  }

  function shardEntries(doc) {
    var col = {};
    doc.columns.forEach(function (name, i) { col[name] = i; });
    return doc.rows.map(function (row) {
      var entry = { type: "building", kind: "building", id: String(row[col.id]), name: row[col.name] || "",
                    address: row[col.address] || "", lon: row[col.lon], lat: row[col.lat],
                    height: row[col.height], radius: row[col.radius] };
      entry.words = words([entry.id, entry.name, entry.address].join(" "));
      return entry;
    });
  }

  function loadShard(pick) {
    if (!pick || !pick.file) { return Promise.resolve([]); }
    if (!searchShards[pick.key]) {
      var url = String(new URL(pick.file, new URL(config.searchUrl, document.baseURI)));
      searchShards[pick.key] = fetch(url)
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (doc) { state.search.shards.push(pick.key); return shardEntries(doc); })
        .catch(function (err) {
          console.warn("GeoTwin viewer: search index " + url + " not loaded: " + err.message);
          delete searchShards[pick.key];
          return [];
        });
    }
    return searchShards[pick.key];
  }

  // list the hits of the box's text once its shard is there, unless the text changed meanwhile
  function search() {
    var query = searchInput.value;
    var broad = false;
    return loadSearchIndex().then(function (index) {
      var tokens = words(query), pick = index && tokens.length ? pickShard(index, tokens) : null;
      broad = !!index && tokens.length > 0 && !pick;
      return loadShard(pick);
    }).then(function (buildings) {
      if (searchInput.value === query) { runSearch(buildings, broad); }
    });
  }

  function pinEntries() {
    var time = viewer.clock.currentTime, out = [];
    for (var i = 0; i < viewer.dataSources.length; i++) {
      viewer.dataSources.get(i).entities.values.forEach(function (entity) {
        var bag = entity.properties;
        var id = bag ? prop(bag, "id", time) : undefined;
        var name = bag ? prop(bag, "name", time) : undefined;
        id = String(present(id) ? id : entity.id);
        name = present(name) ? String(name) : "";
        out.push({ type: "pin", kind: entity.geotwinKind || "feature", entity: entity, id: id, name: name,
                   address: "", words: words(id + " " + name) });
      });
    }
    return out;
  }

  function matches(entry, tokens) {
    return tokens.every(function (t) { return entry.words.some(function (w) { return w.indexOf(t) === 0; }); });
  }

  function hitTitle(hit) { return hit.name || hit.address || hit.id; }

  // broad: the query's words were too broad to search the buildings (only the pins searched)
  function runSearch(buildings, broad) {
    var query = searchInput.value.trim();
    var tokens = words(query);
    searchHits = [];
    searchActive = -1;
    if (tokens.length) {
      var whole = fold(query);
      searchHits = pinEntries().concat(buildings).filter(function (e) { return matches(e, tokens); });
      // the exact id first, then names and addresses that start with the query, then in reading order
      var rank = function (e) {
        return fold(e.id) === whole ? 0 : fold(e.name).indexOf(whole) === 0 || fold(e.address).indexOf(whole) === 0 ? 1 : 2;
      };
      searchHits.sort(function (a, b) {
        return rank(a) - rank(b) || hitTitle(a).localeCompare(hitTitle(b), locale(), { numeric: true });
      });
    }
    renderHits(query, broad);
  }

  function renderHits(query, broad) {
    var total = searchHits.length;
    searchHits = searchHits.slice(0, SEARCH_LIMIT);
    searchList.textContent = "";
    searchHits.forEach(function (hit, i) {
      var li = document.createElement("li");
      li.id = "search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === searchActive ? "true" : "false");
      li.appendChild(document.createTextNode(hitTitle(hit)));
      var detail = document.createElement("span");
      detail.className = "detail";
      detail.textContent = [kindName(hit.kind), hit.name && hit.address ? hit.address : "", hit.id]
        .filter(Boolean).join(" \u00b7 ");
      li.appendChild(detail);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });  // the box keeps the focus
      li.addEventListener("click", function () { chooseHit(i); });
      searchList.appendChild(li);
    });
    var open = searchHits.length > 0;
    searchList.hidden = !open;
    searchInput.setAttribute("aria-expanded", open ? "true" : "false");
    searchInput.removeAttribute("aria-activedescendant");
    var found = !total ? "" : total === 1 ? tr("searchOne") : tr("searchCount", { n: total });
    searchStatus.textContent = !query ? "" : broad ? (found ? found + ". " : "") + tr("searchMore") :
      found || tr("searchNone", { q: query });
    state.search.hits = searchHits.map(function (h) { return { type: h.type, kind: h.kind, id: h.id, name: h.name,
                                                               address: h.address }; });
    state.search.active = -1;
  }

  function activateHit(i) {
    searchActive = i;
    Array.prototype.forEach.call(searchList.children, function (li, k) {
      li.setAttribute("aria-selected", k === i ? "true" : "false");
    });
    var li = searchList.children[i];
    if (li) {
      searchInput.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
    state.search.active = i;
  }

  function closeHits() {
    searchList.hidden = true;
    searchInput.setAttribute("aria-expanded", "false");
    searchInput.removeAttribute("aria-activedescendant");
  }

  // The feature of a building id in the loaded tiles (the drawn ones first).
  function findFeature(id) {
    var found = null;
    function scan(content) {
      if (found || !content || content.isDestroyed() || !content.featuresLength) { return; }
      for (var i = 0; i < content.featuresLength && !found; i++) {
        var feature = content.getFeature(i);
        if (featureKind(feature) === "building" && String(feature.getProperty(config.idProperty)) === id) {
          found = feature;
        }
      }
    }
    contentsShown.forEach(scan);
    (function walk(tile) {
      if (found || !tile) { return; }
      scan(tile.content);
      tile.children.forEach(walk);
    })(state.tileset && state.tileset.root);
    return found;
  }

  function chooseHit(i) {
    var hit = searchHits[i];
    if (!hit) { return Promise.resolve(); }
    closeHits();
    searchInput.value = hitTitle(hit);
    state.search.chosen = { type: hit.type, kind: hit.kind, id: hit.id };
    state.search.shown = null;
    hideInfo();
    var done;
    if (hit.type === "pin") {
      var position = hit.entity.position && hit.entity.position.getValue(viewer.clock.currentTime);
      done = (position ? flyTo(new Cesium.BoundingSphere(position, 60)) : Promise.resolve()).then(function () {
        showOverlay(hit.entity);
        return true;
      });
    } else {
      var centre = Cesium.Cartesian3.fromDegrees(hit.lon, hit.lat, hit.height);
      done = flyTo(new Cesium.BoundingSphere(centre, Math.max(hit.radius * 1.5, 30)))
        .then(tilesSettled)
        .then(function () {
          var feature = findFeature(hit.id);
          if (feature) { showFeature(feature); }
          return !!feature;
        });
    }
    return done.then(function (ok) {
      state.search.shown = ok ? hit.id : null;
      searchStatus.textContent = ok ? tr("searchShown", { kind: kindName(hit.kind), name: hitTitle(hit) }) :
        tr("searchNotLoaded", { name: hitTitle(hit) });
    });
  }

  searchInput.addEventListener("focus", loadSearchIndex);
  searchInput.addEventListener("input", search);
  searchInput.addEventListener("keydown", function (event) {
    var n = searchHits.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!n) { return; }
      if (searchList.hidden) { searchList.hidden = false; searchInput.setAttribute("aria-expanded", "true"); }
      var step = event.key === "ArrowDown" ? 1 : -1;
      activateHit(searchActive < 0 ? (step > 0 ? 0 : n - 1) : (searchActive + step + n) % n);
    } else if (event.key === "Enter") {
      if (!n) { return; }
      chooseHit(searchActive < 0 ? 0 : searchActive);
    } else if (event.key === "Escape") {
      if (!searchList.hidden) { closeHits(); } else if (searchInput.value) {
        searchInput.value = "";
        runSearch([]);
      } else { return; }
      event.stopPropagation();  // the info panel stays open
    } else {
      return;
    }
    event.preventDefault();
  });
  // closed a moment after the box loses the focus (a click on a hit lands first); the focus coming back cancels
  // that, else a blur just before (Tab through the box, then back) closed the list the next typing opened
  var searchBlurTimer = null;
  searchInput.addEventListener("blur", function () { searchBlurTimer = setTimeout(closeHits, 150); });
  searchInput.addEventListener("focus", function () { clearTimeout(searchBlurTimer); });
  languageListeners.push(function () { if (searchInput.value && !searchList.hidden) { search(); } });

  // ---------------------------------------------------------------- load
  function flyTo(sphere) {
    return new Promise(function (resolve) {
      viewer.camera.flyToBoundingSphere(sphere, {
        duration: 1.5,
        // range 0: Cesium computes the distance at which the whole sphere is in view
        offset: new Cesium.HeadingPitchRange(0, Cesium.Math.toRadians(-45), 0),
        complete: function () { state.flights++; resolve(); },
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

  // Looks at a point (degrees, ellipsoidal height) from a heading and pitch (degrees) and range (m);
  // resolves once the tiles of the new view are loaded (and have been for a few frames).
  state.lookAt = function (lon, lat, height, heading, pitch, range) {
    viewer.camera.lookAt(Cesium.Cartesian3.fromDegrees(lon, lat, height),
      new Cesium.HeadingPitchRange(Cesium.Math.toRadians(heading), Cesium.Math.toRadians(pitch), range));
    viewer.camera.lookAtTransform(Cesium.Matrix4.IDENTITY);
    recluster();
    return tilesSettled();
  };

  // Resolves once the tiles of the current view are loaded and have been for a few frames.
  function tilesSettled() {
    return new Promise(function (resolve) {
      var frames = 0, settled = 0;
      var remove = scene.postRender.addEventListener(function () {
        settled = state.tileset.tilesLoaded ? settled + 1 : 0;
        if (++frames > 2 && settled >= 3) { remove(); resolve(); }
      });
    });
  }

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

  // series.json (sensor charts) and availability.json (free/busy islands) beside the tileset; availability.json
  // never from a cache (see refreshAvailability).
  function loadExtras() {
    function load(url, key, init) {
      if (!url) { return Promise.resolve(); }
      return fetch(url, init).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
        extras[key] = body;
      }).catch(function (err) { console.warn("GeoTwin viewer: " + url + " not loaded: " + err); });
    }
    return Promise.all([load(config.seriesUrl, "series"),
                        load(config.availabilityUrl, "availability", { cache: "no-store" })]);
  }

  function showLoaded() {
    setStatus(lang === "de" ? tr("loaded", { tiles: state.tileCount, features: state.featureCount }) :
      "tileset loaded: " + state.tileCount + " tiles, " + state.featureCount + " features", "loaded");
  }

  async function start() {
    var t = performance.now();
    buildLegend();
    setStatus(tr("loadingTileset"), "loading");
    await loadExtras();
    var json = await Cesium.Resource.fetchJson({ url: config.tilesetUrl });
    showHeightModel(json);
    var ground = config.groundHeight;
    if (ground === null || ground === undefined) { ground = groundFromTilesetJson(json); }
    if (ground !== null && isFinite(ground)) {
      state.groundHeight = ground;
      viewer.terrainProvider = flatGlobe(ground);
    }
    await loadTerrain();
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
    // a few frames in a row: on the first frame after the flight an implicit tileset may not yet
    // have requested the subtrees below its root, and counts as loaded with the root alone
    await tilesSettled();
    mark("tilesMs", t);
    state.loaded = true;
    showLoaded();
    languageListeners.push(function () { if (!state.error) { showLoaded(); } });
    await refreshSensors();
    if (config.sensorRefreshSeconds > 0) {
      setInterval(refreshSensors, config.sensorRefreshSeconds * 1000);
      // availability.json is rewritten on the server (python -m geotwin.twin.islands.availability, e.g. by cron)
      if (config.availabilityUrl) { setInterval(refreshAvailability, config.sensorRefreshSeconds * 1000); }
    }
  }

  // Reload availability.json, never from a cache: the browser would ask "modified since?" and a file rewritten
  // within the same second with the same size (a booking moved from 12:00 to 10:00) is answered "not modified",
  // the old booking shown as free. An open island info box shows the new state. One request at a time: when the
  // server is slow or timers that fell behind run at once, an answer begun before the file was rewritten could
  // otherwise arrive last and put the old state back; one unanswered for three intervals is given up (a hung
  // request must not stop the refresh).
  var availabilityLoading = null;
  function refreshAvailability() {
    if (!navigator.onLine) { return Promise.resolve(); }
    if (availabilityLoading) { return availabilityLoading; }
    var signal = AbortSignal.timeout(3000 * Math.max(1, config.sensorRefreshSeconds));
    availabilityLoading = fetch(config.availabilityUrl, { cache: "no-store", signal: signal })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (body) {
        var changed = JSON.stringify(body) !== JSON.stringify(extras.availability);
        extras.availability = body;
        state.availabilityRefreshes = (state.availabilityRefreshes || 0) + 1;
        if (changed && lastShown && state.picked && state.picked.kind === "island") { lastShown(); }
      })
      .catch(function (err) { console.warn("GeoTwin viewer: availability not refreshed: " + err.message); })
      .finally(function () { availabilityLoading = null; });
    return availabilityLoading;
  }

  start().catch(function (err) {
    fail(tr("tilesetFailed", { url: config.tilesetUrl, error: err && err.message ? err.message : err }));
  });
}());
