// The first visit on a slow link: Zonal against pdf.js, both served by `zonal serve`
// (precompressed copies by content negotiation, the same for both: scripts/bench.sh
// puts pdf.js and a minimal viewer under `__pdfjs/` of a copy of dist/) to a fresh
// browser profile (nothing cached, service workers off) on Chromium's network emulation
// (40 ms latency, 10 Mbit/s each way). Not a test: `scripts/bench.sh download`.
//
// - bytes on the wire: every response's body as sent (compressed) plus headers, for the
//   page and its workers, up to the first page painted;
// - first page: navigation start → the one-page invoice (oyo.pdf) painted, the file
//   given to the page's file input as soon as it exists (Zonal: the app mounted; pdf.js:
//   its module loaded). Zonal's paint is the end of the app's `zonal:render …:1` measure.
//
// Prints one JSON line per round and a summary line `RESULT {...}`.
import { test, Browser, Page } from '@playwright/test';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const LINK = { offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8 };
const INVOICE = path.join(CORPUS, 'invoice2data/oyo.pdf');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** A fresh profile on the emulated link, counting what every response sent. */
async function throttled(browser: Browser) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1, serviceWorkers: 'block' });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', LINK);
  // (Chromium applies the page's conditions to its dedicated workers' fetches too.)
  let bytes = 0;
  ctx.on('requestfinished', async (request) => {
    const sizes = await request.sizes().catch(() => null);
    // A worker's own script (pdf.js's module worker, the engine's loader) comes with no
    // body size: counted as the compressed length the server declared.
    const declared = Number((await request.response())?.headers()['content-length'] ?? 0);
    const body = sizes?.responseBodySize || declared;
    bytes += body + (sizes?.responseHeadersSize ?? 0);
    if (process.env.BENCH_VERBOSE) console.error(request.url(), body);
  });
  return { ctx, page, bytes: () => bytes };
}

/** Navigation start → page 1 painted, in the app (ms). */
async function zonalFirstPage(page: Page): Promise<number> {
  await page.goto('/', { waitUntil: 'commit' });
  await page.getByTestId('file-input').first().setInputFiles(INVOICE, { timeout: 120_000 });
  return page.waitForFunction(() => {
    const r = performance.getEntriesByType('measure').find((e) => e.name.startsWith('zonal:render') && e.name.endsWith(':1'));
    return r ? r.startTime + r.duration : null;
  }, undefined, { timeout: 120_000 }).then((h) => h.jsonValue() as Promise<number>);
}

/** Navigation start → page 1 painted, in the pdf.js viewer (ms). */
async function pdfjsFirstPage(page: Page): Promise<number> {
  await page.goto('/__pdfjs/index.html', { waitUntil: 'commit' });
  await page.waitForFunction(() => (window as any).ready === true, undefined, { timeout: 120_000 });
  await page.locator('#f').setInputFiles(INVOICE);
  return page.waitForFunction(() => (window as any).painted ?? null, undefined, { timeout: 120_000 })
    .then((h) => h.jsonValue() as Promise<number>);
}

test('download: bytes on the wire and first page on a 10 Mbit/s, 40 ms link', async ({ browser }) => {
  const ours = { ms: [] as number[], bytes: [] as number[] };
  const theirs = { ms: [] as number[], bytes: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, run, into] of [['zonal', zonalFirstPage, ours], ['pdfjs', pdfjsFirstPage, theirs]] as const) {
      const { ctx, page, bytes } = await throttled(browser);
      const ms = await run(page);
      await page.waitForTimeout(100); // the last `requestfinished` sizes
      const sent = bytes();
      into.ms.push(ms);
      into.bytes.push(sent);
      console.log(JSON.stringify({ round: i, peer: name, first_page_ms: +ms.toFixed(0), bytes: sent }));
      await ctx.close();
    }
  }
  console.log(`RESULT ${JSON.stringify({
    zonal_bytes: median(ours.bytes),
    pdfjs_bytes: median(theirs.bytes),
    bytes_ratio: +(median(ours.bytes) / median(theirs.bytes)).toFixed(2),
    first_page_zonal_ms: +median(ours.ms).toFixed(0),
    first_page_pdfjs_ms: +median(theirs.ms).toFixed(0),
    first_page_ratio: +(median(ours.ms) / median(theirs.ms)).toFixed(2),
  })}`);
});
