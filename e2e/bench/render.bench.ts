// Rendering, Zonal (Rust → wasm, in the app) against pdf.js, MuPDF.js and PDFium (their
// npm packages, see peers.ts) in the same headless Chromium, in the same run. Not a
// test: `scripts/bench.sh render`.
//
// - Per page: the first page of every PDF of the corpus dev set that all of them open,
//   rendered at 2 px per point (144 DPI: 150 % zoom on a devicePixelRatio-1 screen) and
//   painted into a canvas. Zonal's time is the app's own `zonal:render` User Timing entry
//   (render in the engine worker + paint), for a returning visitor (the app's files and
//   their compiled code cached by the browser: like the peers, loaded once for all files)
//   and for a first visit (a fresh profile per file); a peer's is its draw call on a
//   canvas of the same size, pixels painted.
// - File drop to first page visible, for a one-page invoice (oyo.pdf): from the file
//   input's `change` event to the first page painted at the app's fit-width size.
//
// Prints one JSON line per measurement and a summary line `RESULT {...}`.
import { test, Browser, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';
import { corpusPdfs, dropToFirstPaint, markDrop } from './support';
import { PEERS, Peer, openPeers, routePeers } from './peers';

const SCALE = 2; // px per point
const ROUNDS = Number(process.env.ROUNDS ?? 3);

/** `p`, or a rejection after `ms`: a renderer that never answers is no sample. */
const within = <T>(p: Promise<T>, ms = 60_000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/** `peer`: best of ROUNDS renders of page 1 of `file` at SCALE, painted (ms), or null. */
async function peerRender(page: Page, peer: Peer, file: string): Promise<number | null> {
  const b64 = fs.readFileSync(file).toString('base64');
  return page.evaluate(async ({ peer, b64, scale, rounds }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const engine = (window as any).peers[peer];
    try {
      const doc = await engine.open(bytes);
      let best = Infinity;
      for (let i = 0; i < rounds; i++) {
        const c = document.createElement('canvas');
        const t = performance.now();
        await engine.draw(doc, scale, c);
        best = Math.min(best, performance.now() - t);
      }
      await engine.close(doc);
      return best;
    } catch {
      return null;
    }
  }, { peer, b64, scale: SCALE, rounds: ROUNDS });
}

/** `peer`: file input `change` → page 1 painted `width` px wide (ms), opening included. */
async function peerFirstPage(page: Page, peer: Peer, file: string, width: number): Promise<number> {
  await openPeers(page);
  await page.evaluate(({ peer, width }) => {
    const input = document.getElementById('f') as HTMLInputElement;
    input.addEventListener('change', async () => {
      const t = performance.now();
      const engine = (window as any).peers[peer];
      const doc = await engine.open(new Uint8Array(await input.files![0].arrayBuffer()));
      await engine.draw(doc, width / engine.width(doc), document.getElementById('c'));
      (window as any).firstPage = performance.now() - t;
    }, { once: true });
  }, { peer, width });
  await page.locator('#f').setInputFiles(file);
  return page.waitForFunction(() => (window as any).firstPage ?? null, undefined, { timeout: 30_000 })
    .then((h) => h.jsonValue() as Promise<number>);
}

/** A context like a browser profile: the app's files are cached there once fetched. */
const profile = (browser: Browser) =>
  browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1, serviceWorkers: 'block' });

/** Zonal, cold: best of ROUNDS renders of page 1 at 150 % zoom (ms) in a fresh profile, a
 * first visit: V8 compiles each of the engine's functions on its first call. */
async function zonalCold(browser: Browser, file: string): Promise<number | null> {
  const ctx = await profile(browser);
  try {
    return await zonalRender(await ctx.newPage(), file);
  } finally {
    await ctx.close();
  }
}

/** Zonal, warm: the same in `page`'s profile, a returning visitor's: the app and its
 * compiled code come from the browser's caches. The last session is forgotten first (the
 * app restores it, and reopening every earlier file would keep the engine busy). */
async function zonalWarm(page: Page, file: string): Promise<number | null> {
  await page.goto('/manifest.webmanifest');
  await page.evaluate(() => new Promise((resolve) => {
    const req = indexedDB.deleteDatabase('zonal');
    req.onsuccess = req.onerror = req.onblocked = () => resolve(null);
  }));
  return zonalRender(page, file);
}

/** Zonal: best of ROUNDS renders of page 1 at 150 % zoom (ms), from the app's timings,
 * once the engine worker is done with the file's opening work (texts, the invoice
 * pipeline). */
async function zonalRender(page: Page, file: string): Promise<number | null> {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(file);
  const ok = await page.getByTestId('zoom').waitFor({ timeout: 5_000 }).then(() => true, () => false);
  if (!ok) return null;
  await page.locator('.fields').waitFor({ timeout: 10_000 }).catch(() => {});
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate 150 % and 100 % so every round re-renders page 1; keep the 150 % ones.
    for (const zoom of ['150', '100']) {
      await page.evaluate(() => performance.clearMeasures());
      await page.getByTestId('zoom').selectOption(zoom);
      const t = await page.waitForFunction(() => performance.getEntriesByType('measure')
        .find((e) => e.name.startsWith('zonal:render') && e.name.endsWith(':1'))?.duration ?? null,
      undefined, { timeout: 30_000 }).then((h) => h.jsonValue(), () => null);
      if (typeof t !== 'number') return null;
      if (zoom === '150') times.push(t);
    }
  }
  return Math.min(...times);
}

test('render: Zonal vs pdf.js, MuPDF.js and PDFium, median ms per page at 144 DPI', async ({ browser }) => {
  test.setTimeout(40 * 60_000);
  const files = corpusPdfs().slice(0, Number(process.env.LIMIT ?? Infinity));
  const ctx = await profile(browser);
  let peers = await ctx.newPage();
  const returning = await profile(browser);
  let zonal = await returning.newPage();
  await routePeers(peers);
  await openPeers(peers);
  const ours: number[] = [];
  const oursCold: number[] = [];
  const theirs: Record<Peer, number[]> = { pdfjs: [], mupdf: [], pdfium: [] };
  for (const file of files) {
    // A file that crashes a renderer's tab is no sample; the tab is replaced.
    const a = await within(zonalWarm(zonal, file)).catch(async () => {
      await zonal.close().catch(() => {});
      zonal = await returning.newPage();
      return null;
    });
    const cold = await within(zonalCold(browser, file)).catch(() => null);
    const b: Partial<Record<Peer, number | null>> = {};
    for (const peer of PEERS) {
      b[peer] = await within(peerRender(peers, peer, file)).catch(async () => {
        await peers.close().catch(() => {});
        peers = await ctx.newPage();
        await routePeers(peers);
        await openPeers(peers);
        return null;
      });
    }
    const name = path.relative(CORPUS, file);
    const failed = [a === null ? 'zonal' : null, ...PEERS.filter((p) => b[p] == null)].filter(Boolean);
    if (failed.length) {
      console.log(JSON.stringify({ file: name, skipped: failed }));
      continue;
    }
    ours.push(a!);
    if (cold !== null) oursCold.push(cold);
    for (const peer of PEERS) theirs[peer].push(b[peer]!);
    console.log(JSON.stringify({ file: name, zonal_ms: +a!.toFixed(2), zonal_cold_ms: cold === null ? null : +cold.toFixed(2), ...Object.fromEntries(PEERS.map((p) => [`${p}_ms`, +b[p]!.toFixed(2)])) }));
  }

  // File drop → first page visible, one-page invoice.
  const invoice = path.join(CORPUS, 'invoice2data/oyo.pdf');
  const firstOurs: number[] = [];
  const firstTheirs: Record<Peer, number[]> = { pdfjs: [], mupdf: [], pdfium: [] };
  for (let i = 0; i < ROUNDS + 2; i++) {
    // A fresh profile each time (the app restores its last session).
    const fresh = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1, serviceWorkers: 'block' });
    const zonal = await fresh.newPage();
    await zonal.goto('/');
    await zonal.evaluate(markDrop);
    await zonal.getByTestId('file-input').first().setInputFiles(invoice);
    firstOurs.push(await dropToFirstPaint(zonal, 30_000));
    // The peers paint at the same size as the app's first (fit-width) paint.
    const width = await zonal.getByTestId('page-1').locator('canvas').evaluate((c: HTMLCanvasElement) => c.width);
    await fresh.close();
    for (const peer of PEERS) {
      // (A peer that does not paint in time is no sample; its page is replaced.)
      const ms = await within(peerFirstPage(peers, peer, invoice, width)).catch(async (e) => {
        console.log(JSON.stringify({ first_page: peer, skipped: String(e).slice(0, 200) }));
        await peers.close().catch(() => {});
        peers = await ctx.newPage();
        await routePeers(peers);
        return null;
      });
      if (ms !== null) firstTheirs[peer].push(ms);
    }
  }
  const result: Record<string, number> = {
    pages: ours.length,
    zonal_median_ms: +median(ours).toFixed(2),
    zonal_cold_median_ms: +median(oursCold).toFixed(2),
    first_page_zonal_ms: +median(firstOurs).toFixed(1),
  };
  for (const peer of PEERS) {
    result[`${peer}_median_ms`] = +median(theirs[peer]).toFixed(2);
    result[`ratio_to_${peer}`] = +(median(ours) / median(theirs[peer])).toFixed(3);
    result[`first_page_${peer}_ms`] = +median(firstTheirs[peer]).toFixed(1);
    result[`first_page_ratio_to_${peer}`] = +(median(firstOurs) / median(firstTheirs[peer])).toFixed(3);
  }
  const fastest = Math.min(...PEERS.map((p) => median(theirs[p])));
  result.ratio_to_fastest_peer = +(median(ours) / fastest).toFixed(3);
  console.log(`RESULT ${JSON.stringify(result)}`);
  await ctx.close();
  await returning.close();
});
