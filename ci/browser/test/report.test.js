// The HTML report of rehome-conform (--html) in headless Chromium: a run against a reference
// server with a fault switch on (so some cases FAIL) and a baseline, then the page must
// render from file:// with no request beyond itself, show the summary and the baseline
// view, and a FAIL case's wire log must open on a click. Screenshots land in build/browser/.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '../../..');
const SERVER = path.resolve(ROOT, process.env.REHOME_SERVER || 'build/reference/rehome-server');
const CONFORM = path.resolve(ROOT, process.env.REHOME_CONFORM || 'build/conformance/rehome-conform');
const CONFIG = path.resolve(ROOT, 'fixtures/configs/ci.json');
const OUT = path.resolve(ROOT, process.env.REHOME_BROWSER_OUT || 'build/browser');
// A fault some cases of sections 4.2 and 8.2 catch (fixtures/killmatrix.json).
const FAULT = 'auth-ignore-key';

let server, browser, report;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rehome-report-'));
  const portFile = path.join(tmp, 'port');
  server = spawn(SERVER, ['--config', CONFIG, '--fault', FAULT, '--port', '0', '--port-file', portFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (d) => (log += d));
  for (let i = 0; i < 200 && !(fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()); i++) {
    if (server.exitCode !== null) throw new Error(`server exited (a build without -Dfaults=true?): ${log}`);
    await sleep(50);
  }
  const url = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
  const baseline = path.join(tmp, 'baseline.json');
  fs.writeFileSync(baseline, JSON.stringify({
    cases: { 'stream/8.2/wrong-key-or-secret': { verdict: 'FAIL', reason: 'a known failure of this server' } },
  }));
  report = path.join(OUT, 'report.html');
  const run = spawnSync(CONFORM, ['--case', 'pusher/4.2', '--case', 'stream/8.2', '--quiet',
    '--expect', baseline, '--html', report, url], { encoding: 'utf8', timeout: 90000 });
  // 1: a verdict differs from the baseline (the pusher/4.2 case the fault breaks)
  assert.equal(run.status, 1, `rehome-conform: ${run.stdout}\n${run.stderr}`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

test('the HTML report renders self-contained and a FAIL case wire log opens', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('request', (r) => requests.push(r.url()));
  const fileUrl = `file://${report}`;
  await page.goto(fileUrl);
  assert.match(await page.title(), /^rehome-conform .* report: http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(await page.textContent('h1'), /rehome-conform \d+\.\d+\.\d+ report/);
  // summary: the "all" row counts 13 cases with at least one FAIL
  const all = await page.$$eval('table.summary tr', (rows) =>
    rows.map((r) => [...r.children].map((c) => c.textContent)).find((c) => c[0] === 'all'));
  assert.ok(all, 'summary has an "all" row');
  assert.ok(Number(all[all.length - 1]) >= 10, `cases counted: ${all}`);
  assert.ok(Number(all[3]) >= 1, `a FAIL counted: ${all}`);
  // baseline view: the expected FAIL is as expected, the pusher/4.2 one changed
  const base = await page.textContent('#baseline + p');
  assert.match(base, /1 case changed/);
  assert.ok(await page.$('table.baseline tr.chg'), 'a changed row is marked');
  // the table groups by section, both sections present
  const secs = await page.$$eval('tr.sec th', (t) => t.map((x) => x.textContent));
  assert.deepEqual(secs, ['section 4.2', 'section 8.2']);
  // a FAIL case: its wire log is collapsed, a click opens it, and it shows frames
  const fail = page.locator('section.case.c-2').first();
  const wire = fail.locator('details.wire');
  assert.equal(await wire.evaluate((d) => d.open), false);
  assert.equal(await wire.locator('pre').isVisible(), false);
  await wire.locator('summary').click();
  assert.equal(await wire.evaluate((d) => d.open), true);
  assert.equal(await wire.locator('pre').isVisible(), true);
  assert.match(await wire.locator('pre').textContent(), /(<-|->) /);
  assert.match(await fail.textContent(), /requirement/);
  await wire.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, 'report-fail-wire.png') });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(OUT, 'report.png') });
  assert.deepEqual(requests, [fileUrl], 'the page loads nothing beyond itself');
  assert.deepEqual(errors, []);
  await page.close();
});
