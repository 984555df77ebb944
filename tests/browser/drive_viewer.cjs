// Drive the GeoTwin web viewer in Debian's chromium (headless, WebGL through SwiftShader).
// Usage: node drive_viewer.cjs <job.json>; prints one JSON result line on stdout.
// job: {origin, userDataDir, timeoutMs, pages: [{url, screenshot, idProperty, waitSensorRefreshes,
//       view: {lon, lat, height, heading, pitch, range, screenshot},
//       clicks: [{name, lon, lat, height, offsetY, scanId, scanRadius, scanTilesOnly, view, hideOverlays,
//                 screenshot}]}]}
// A click's view looks at its target first; hideOverlays hides the GeoJSON points during the click
// (so that a marker in the tileset, not the pin above it, is picked).
// A feature's id is its idProperty, global_id (BIM elements) or sensor_key (sensors), the first present.
// Requests to any host other than the page's own are aborted and reported (the viewer must
// work without Cesium ion or any other service).
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require(path.resolve(__dirname, "..", "..", "node_modules", "playwright-core"));

const ARGS = [
  "--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic", "--ignore-gpu-blocklist",
];

// Every loaded tile feature with the colour and visibility the viewer's style gives it.
async function loadedFeatures(page, idName) {
  return page.evaluate((idName) => {
    const tileset = window.geotwin.tileset;
    const out = [];
    const stack = [tileset.root];
    while (stack.length) {
      const tile = stack.pop();
      stack.push(...tile.children);
      const content = tile.contentReady ? tile.content : null;
      for (let i = 0; content && i < content.featuresLength; i++) {
        const f = content.getFeature(i);
        const c = tileset.style.color.evaluateColor(f, new Cesium.Color());
        const id = [idName, "global_id", "sensor_key"].map((n) => f.getProperty(n)).find((v) => v !== undefined);
        out.push({ id: id, function: f.getProperty("function"), ifc_class: f.getProperty("ifc_class"),
                   color: c.toCssHexString(), alpha: Math.round(c.alpha * 100) / 100,
                   styleShow: tileset.style.show.evaluate(f), show: f.show });
      }
    }
    return out;
  }, idName);
}

// One page: load the viewer, read its state, click the targets, take a screenshot.
async function visit(context, spec, timeout) {
  const origin = new URL(spec.url).origin;
  const started = Date.now();
  const result = { url: spec.url, consoleErrors: [], pageErrors: [], failedRequests: [], clicks: [] };
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", (msg) => { if (msg.type() === "error") { result.consoleErrors.push(msg.text()); } });
  page.on("pageerror", (err) => result.pageErrors.push(String(err)));
  page.on("requestfailed", (req) => {
    if (req.url().startsWith(origin + "/")) { result.failedRequests.push(req.url() + " " + req.failure().errorText); }
  });
  page.on("response", (res) => {
    if (res.status() >= 400) { result.failedRequests.push(res.url() + " HTTP " + res.status()); }
  });
  try {
    await page.goto(spec.url, { waitUntil: "load" });
    await page.waitForFunction(() => window.geotwin && (window.geotwin.loaded || window.geotwin.error));
    result.load = await page.evaluate(() => ({
      loaded: window.geotwin.loaded, error: window.geotwin.error, tileCount: window.geotwin.tileCount,
      featureCount: window.geotwin.featureCount, groundHeight: window.geotwin.groundHeight,
      layers: window.geotwin.layers, timings: window.geotwin.timings, webgl: window.geotwin.viewer.scene.context.webgl2 ? 2 : 1,
      status: document.getElementById("status").textContent,
      statusState: document.getElementById("status").dataset.state,
      heights: document.getElementById("heights").hidden ? null : document.getElementById("heights").textContent,
      legend: Array.from(document.querySelectorAll("#legend section:not([hidden]) li:not([hidden])")).map((li) => li.textContent),
    }));
    if (result.load.loaded) { result.features = await loadedFeatures(page, spec.idProperty || "id"); }
    if (result.load.loaded) {
      // Where the overlay points stand: layer name -> [[lon, lat, ellipsoidal height]].
      result.overlays = await page.evaluate(() => {
        const viewer = window.geotwin.viewer;
        const out = {};
        for (let i = 0; i < viewer.dataSources.length; i++) {
          const source = viewer.dataSources.get(i);
          out[source.name] = source.entities.values.map((e) => {
            const c = Cesium.Cartographic.fromCartesian(e.position.getValue(viewer.clock.currentTime));
            return [Cesium.Math.toDegrees(c.longitude), Cesium.Math.toDegrees(c.latitude), c.height];
          });
        }
        return out;
      });
    }
    if (result.load.loaded && spec.waitSensorRefreshes) {
      await page.waitForFunction((n) => window.geotwin.sensorRefreshes + window.geotwin.sensorRefreshErrors >= n,
        spec.waitSensorRefreshes);
      result.sensorRefreshes = await page.evaluate(() => window.geotwin.sensorRefreshes);
    }
    if (result.load.loaded && spec.view) {
      // Close up: look at a point and wait for the tiles of that view (BIM detail refines there).
      const v = spec.view;
      await page.evaluate((w) => window.geotwin.lookAt(w.lon, w.lat, w.height, w.heading, w.pitch, w.range), v);
      result.view = await page.evaluate(() => ({
        bimVisible: window.geotwin.bimVisible, tileCount: window.geotwin.tileCount,
        featureCount: window.geotwin.featureCount,
        legend: Array.from(document.querySelectorAll("#legend section:not([hidden]) li:not([hidden])")).map((li) => li.textContent),
      }));
      result.view.features = await loadedFeatures(page, spec.idProperty || "id");
      if (v.screenshot) { await page.screenshot({ path: v.screenshot }); }
    }
    if (result.load.loaded) {
      await page.evaluate(() => {
        window.showOverlays = (show) => {
          const sources = window.geotwin.viewer.dataSources;
          for (let i = 0; i < sources.length; i++) { sources.get(i).show = show; }
        };
      });
    }
    for (const target of (result.load.loaded ? spec.clicks || [] : [])) {
      if (target.view) {
        const w = target.view;
        await page.evaluate((v) => window.geotwin.lookAt(v.lon, v.lat, v.height, v.heading, v.pitch, v.range), w);
      }
      // Where the target is on screen, computed by Cesium from its geographic position.
      // height null: the viewer's ground height (where overlay points stand)
      const xy = await page.evaluate((t) => {
        const scene = window.geotwin.viewer.scene;
        scene.render();
        const height = t.height === null ? window.geotwin.groundHeight : t.height;
        const p = Cesium.SceneTransforms.worldToWindowCoordinates(
          scene, Cesium.Cartesian3.fromDegrees(t.lon, t.lat, height));
        return p ? { x: p.x, y: p.y } : null;
      }, target);
      const click = { name: target.name, screen: xy };
      if (target.hideOverlays) {
        await page.evaluate(() => { showOverlays(false);
          return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))); });
      }
      if (xy) {
        xy.y += target.offsetY || 0;
        if (target.scanId) {
          // Pick-scan around the projected point for a pixel where the known building (or overlay
          // point) is in front.
          click.scan = await page.evaluate((t) => {
            const scene = window.geotwin.viewer.scene;
            const id = t.scanId;
            for (let r = 0, picks = 0; r <= t.scanRadius; r += 4) {
              const steps = r === 0 ? 1 : Math.ceil(2 * Math.PI * r / 6);
              for (let k = 0; k < steps; k++, picks++) {
                const x = t.x + r * Math.cos(2 * Math.PI * k / steps), y = t.y + r * Math.sin(2 * Math.PI * k / steps);
                if (document.elementFromPoint(x, y) !== scene.canvas) { continue; }  // under a panel
                const f = scene.pick(new Cesium.Cartesian2(x, y));
                const entity = f && f.id instanceof Cesium.Entity && !t.scanTilesOnly ? f.id : null;
                const featureId = f instanceof Cesium.Cesium3DTileFeature ?
                  [t.idProperty, "global_id", "sensor_key"].map((n) => f.getProperty(n)).find((v) => v !== undefined) : undefined;
                const entityId = entity && entity.properties ?
                  ["id", "sensor_key"].filter((n) => entity.properties.hasProperty(n)).map((n) => entity.properties[n].getValue())[0] : undefined;
                if ((featureId !== undefined && String(featureId) === id) ||
                    (entityId !== undefined && String(entityId) === id)) {
                  return { x: x, y: y, picks: picks + 1 };
                }
              }
            }
            return null;
          }, { x: xy.x, y: xy.y, scanId: target.scanId, scanRadius: target.scanRadius || 40,
               scanTilesOnly: !!target.scanTilesOnly, idProperty: spec.idProperty || "id" });
          if (click.scan) { xy.x = click.scan.x; xy.y = click.scan.y; }
        }
        click.covered = await page.evaluate((p) => {
          window.geotwin.pickedId = null;  // so that a click that picks nothing is not mistaken
          return document.elementFromPoint(p.x, p.y) !== window.geotwin.viewer.scene.canvas;
        }, xy);
        await page.mouse.click(xy.x, xy.y);
        try {
          await page.waitForFunction(() => window.geotwin.pickedId !== null, null, { timeout: 15000 });
        } catch (err) { click.waitError = String(err); }
        Object.assign(click, await page.evaluate(() => ({
          pickedId: window.geotwin.pickedId, picked: window.geotwin.picked,
          infoHidden: document.getElementById("info").hidden,
          title: document.getElementById("info-title").textContent,
          rows: Array.from(document.querySelectorAll("#info-table tr")).map(
            (tr) => [tr.cells[0].textContent, tr.cells[1].textContent]),
          highlights: document.getElementById("info-highlights").textContent,
          links: Array.from(document.querySelectorAll("#info a")).map((a) => ({ text: a.textContent, href: a.href })),
        })));
        if (target.screenshot) { await page.screenshot({ path: target.screenshot }); }
      }
      if (target.hideOverlays) { await page.evaluate(() => showOverlays(true)); }
      result.clicks.push(click);
    }
    if (spec.screenshot) { await page.screenshot({ path: spec.screenshot }); }
  } finally {
    await page.close();
  }
  result.ms = Date.now() - started;
  return result;
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const timeout = job.timeoutMs || 120000;
  const result = { foreignRequests: [], pages: [] };
  const context = await chromium.launchPersistentContext(job.userDataDir, {
    executablePath: "/usr/bin/chromium", headless: true, args: ARGS,
    viewport: { width: 800, height: 600 }, timeout,
  });
  try {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(job.origin + "/")) { return route.continue(); }
      result.foreignRequests.push(url);
      return route.abort();
    });
    for (const spec of job.pages) {
      result.pages.push(await visit(context, spec, timeout));
    }
  } finally {
    await context.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ fatal: String(err && err.stack || err) }) + "\n");
  process.exitCode = 1;
});
