// After one visit the app works with no network at all: the service worker keeps the
// app shell. The app is served by a server this test starts and then shuts down, and
// the browser context is switched offline, so nothing can come from the network.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { CORPUS, dragRegion, referenceRegion, waitForPaint } from './helpers';

const dist = path.resolve(__dirname, '..', process.env.ZONAL_DIST ?? '../dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.webmanifest': 'application/manifest+json',
};

/** A plain static server for dist/ on a free port. */
async function serveDist() {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').split(/[?#]/)[0]);
    const file = path.join(dist, rel === '/' ? 'index.html' : rel);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

test('after one visit the app opens, reads a PDF and exports CSV offline', async ({ browser }, info) => {
  const { server, base } = await serveDist();
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(base);
  await expect(page.getByTestId('empty-state')).toBeVisible();
  // The service worker is active and holds the shell: the page, its script, wasm and CSS.
  const cached: string[] = await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    for (let i = 0; i < 100; i++) {
      const c = await caches.open('zonal-shell');
      const urls = (await c.keys()).map((r) => r.url);
      if (urls.some((u) => u.endsWith('.wasm')) && urls.some((u) => u.endsWith('.js'))) return urls;
      await new Promise((r) => setTimeout(r, 100));
    }
    return [];
  });
  expect(cached.some((u) => u.endsWith('.wasm')), cached.join('\n')).toBe(true);
  expect(cached.some((u) => u.endsWith('.css')), cached.join('\n')).toBe(true);

  // No server, no network.
  await new Promise((r) => server.close(r));
  server.closeAllConnections();
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('empty-state')).toBeVisible();

  const file = 'invoice2data/oyo.pdf';
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, file));
  await waitForPaint(page);
  const r = referenceRegion(file, 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  await expect(page.getByTestId('region-text').last()).toContainText('IBZY2087');
  await expect(page.locator('.fields [data-field="invoiceNumber"] input')).toHaveValue('IBZY2087');
  // What needs the relay says so.
  await expect(page.getByTestId('ai-unavailable')).toContainText('needs the relay');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8').split('\r\n');
  expect(csv[1]).toMatch(/^IBZY2087,2017-12-31,/);
  await page.screenshot({ path: info.outputPath('offline.png') });
  await context.close();
});
