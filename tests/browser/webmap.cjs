// Drive the GeoTwin web map in Debian's chromium (headless) through a list of steps per page.
// Usage: node webmap.cjs <job.json>; prints one JSON result line on stdout.
// job: {userDataDir, timeoutMs, loopback: [origins allowed], pages: [{url, locale, viewport: {width, height},
//       clock (an ISO time: Date.now() and new Date() in the page return it, timers keep running),
//       intercept (default true: requests go through playwright's routing, which turns chromium's HTTP cache off;
//                  false: the cache works as for a user, foreign requests are only listed),
//       steps: [{goto: url (the same page and cache; waits for the web map as after the first load)} |
//               {wait: js} | {eval: js, as} | {lookAt: [lon, lat, h, heading, pitch, range]} |
//               {clickAt: {lon, lat, height, offsetY}, as} | {clickXY: js} | {click: selector} |
//               {screenshot: path} | {key: name} | {type: text}]}]}
// A height of null (lookAt, clickAt) is the viewer's ground height, where overlay points stand.
// eval's js is an expression evaluated in the page; its value is stored under "as".
// Every request to a host other than 127.0.0.1/localhost is aborted and listed in foreignRequests.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require(path.resolve(__dirname, "..", "..", "node_modules", "playwright-core"));

const ARGS = [
  "--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic", "--ignore-gpu-blocklist",
];
const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

async function visit(browser, spec, timeout, result) {
  const context = await browser.newContext({
    viewport: spec.viewport || { width: 1280, height: 800 }, locale: spec.locale || "en-US",
    timezoneId: spec.timezoneId || "UTC",
  });
  const out = { url: spec.url, consoleErrors: [], pageErrors: [], failedRequests: [], requests: [], values: {} };
  const local = (url) => LOOPBACK.test(url) || url.startsWith("data:") || url.startsWith("blob:");
  if (spec.intercept !== false) {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (local(url)) { return route.continue(); }
      result.foreignRequests.push(url);
      return route.abort();
    });
  }
  if (spec.clock) { await context.clock.setFixedTime(new Date(spec.clock)); }
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", (msg) => { if (msg.type() === "error") { out.consoleErrors.push(msg.text()); } });
  page.on("pageerror", (err) => out.pageErrors.push(String(err)));
  page.on("request", (req) => {
    out.requests.push(req.url());
    if (spec.intercept === false && !local(req.url())) { result.foreignRequests.push(req.url()); }
  });
  page.on("response", (res) => { if (res.status() >= 400) { out.failedRequests.push(res.url() + " HTTP " + res.status()); } });
  const open = async (url) => {
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => window.geotwin && (window.geotwin.loaded || window.geotwin.error));
  };
  try {
    await open(spec.url);
    for (const step of spec.steps || []) {
      process.stderr.write(spec.url + " step " + JSON.stringify(step).slice(0, 80) + "\n");
      if (step.goto) { await open(step.goto); }
      if (step.wait) { await page.waitForFunction(step.wait); }
      if (step.eval) { out.values[step.as] = await page.evaluate(step.eval); }
      if (step.lookAt) {  // a null height: the viewer's ground height
        await page.evaluate((a) => window.geotwin.lookAt(a[0], a[1], a[2] === null ? window.geotwin.groundHeight : a[2],
          a[3], a[4], a[5]), step.lookAt);
      }
      if (step.clickAt) {
        const xy = await page.evaluate((t) => {
          const scene = window.geotwin.viewer.scene;
          scene.render();
          const h = t.height === null ? window.geotwin.groundHeight : t.height;
          const p = Cesium.SceneTransforms.worldToWindowCoordinates(scene, Cesium.Cartesian3.fromDegrees(t.lon, t.lat, h));
          return p ? { x: p.x, y: p.y } : null;
        }, step.clickAt);
        if (xy) { xy.y += step.clickAt.offsetY || 0; await page.mouse.click(xy.x, xy.y); }
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        out.values[step.as] = await page.evaluate((xy) => ({ screen: xy, pickedId: window.geotwin.pickedId,
          title: document.getElementById("info-title").textContent,
          text: document.getElementById("info").innerText, hidden: document.getElementById("info").hidden }), xy);
      }
      if (step.clickXY) {  // a point on the screen computed in the page: {x, y}
        const xy = await page.evaluate(step.clickXY);
        if (xy) { await page.mouse.click(xy.x, xy.y); }
      }
      if (step.click) { await page.click(step.click); }
      if (step.key) { await page.keyboard.press(step.key); }
      if (step.type) { await page.keyboard.type(step.type); }  // text, as typed key by key
      if (step.screenshot) { await page.screenshot({ path: step.screenshot }); }
    }
  } catch (err) {
    out.error = String(err && err.stack || err);
  } finally {
    await context.close();
  }
  return out;
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const timeout = job.timeoutMs || 120000;
  const result = { foreignRequests: [], pages: [] };
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true });
  try {
    for (const spec of job.pages) { result.pages.push(await visit(browser, spec, timeout, result)); }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ fatal: String(err && err.stack || err) }) + "\n");
  process.exitCode = 1;
});
