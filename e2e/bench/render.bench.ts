// Rendering, Zonal (Rust → wasm, in the app) against pdf.js (npm pdfjs-dist) in the same
// headless Chromium, in the same run. Not a test: `scripts/bench.sh render`.
//
// - Per page: the first page of every PDF of the corpus dev set that both open, rendered
//   at 2 px per point (144 DPI: 150 % zoom on a devicePixelRatio-1 screen) and painted
//   into a canvas. Zonal's time is the app's own `zonal:render` User Timing entry
//   (render + paint); pdf.js's is `page.render(…).promise` on a canvas of the same size.
// - File drop to first page visible, for a one-page invoice (oyo.pdf): from the file
//   input's `change` event to the first page painted, in each.
//
// Prints one JSON line per measurement and a summary line `RESULT {...}`.
import { test, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';
import { corpusPdfs, dropToFirstPaint, markDrop } from './support';

const PDFJS = path.resolve(__dirname, '../node_modules/pdfjs-dist/build');
const SCALE = 2; // px per point
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** A blank page at the app's origin with pdf.js loaded (served from node_modules). */
async function pdfjsPage(page: Page) {
  await page.route('**/__pdfjs/**', (route) =>
    route.fulfill({ path: path.join(PDFJS, path.basename(new URL(route.request().url()).pathname)), contentType: 'text/javascript' }));
  await page.route('**/__bench.html', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><input type="file" id="f"><canvas id="c"></canvas><script type="module">
      import * as pdfjs from '/__pdfjs/pdf.min.mjs';
      pdfjs.GlobalWorkerOptions.workerSrc = '/__pdfjs/pdf.worker.min.mjs';
      window.pdfjs = pdfjs; window.ready = true;
    </script>`,
  }));
  await page.goto('/__bench.html');
  await page.waitForFunction(() => (window as any).ready === true);
}

/** pdf.js: best of ROUNDS renders of page 1 of `file` at SCALE (ms), or null. */
async function pdfjsRender(page: Page, file: string): Promise<number | null> {
  const b64 = fs.readFileSync(file).toString('base64');
  return page.evaluate(async ({ b64, scale, rounds }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    try {
      const doc = await (window as any).pdfjs.getDocument({ data: bytes }).promise;
      const p = await doc.getPage(1);
      const vp = p.getViewport({ scale });
      let best = Infinity;
      for (let i = 0; i < rounds; i++) {
        const c = document.createElement('canvas');
        c.width = Math.ceil(vp.width);
        c.height = Math.ceil(vp.height);
        const t = performance.now();
        await p.render({ canvasContext: c.getContext('2d'), viewport: vp }).promise;
        best = Math.min(best, performance.now() - t);
      }
      await doc.destroy();
      return best;
    } catch {
      return null;
    }
  }, { b64, scale: SCALE, rounds: ROUNDS });
}

/** Zonal: best of ROUNDS renders of page 1 at 150 % zoom (ms), from the app's timings. */
async function zonalRender(page: Page, file: string): Promise<number | null> {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(file);
  const ok = await page.getByTestId('zoom').waitFor({ timeout: 5_000 }).then(() => true, () => false);
  if (!ok) return null;
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate 150 % and 100 % so every round re-renders page 1; keep the 150 % ones.
    await page.getByTestId('zoom').selectOption('150');
    const t = await page.waitForFunction((n) => {
      const m = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('zonal:render') && e.name.endsWith(':1'));
      return m.length >= n ? m[n - 1].duration : null;
    }, 2 + 2 * i, { timeout: 30_000 }).then((h) => h.jsonValue(), () => null);
    if (typeof t !== 'number') return null;
    times.push(t);
    await page.getByTestId('zoom').selectOption('100');
    await page.waitForFunction((n) => performance.getEntriesByType('measure')
      .filter((e) => e.name.startsWith('zonal:render') && e.name.endsWith(':1')).length >= n, 3 + 2 * i);
  }
  return Math.min(...times);
}

test('render: Zonal vs pdf.js, median ms per page at 144 DPI', async ({ browser }) => {
  const files = corpusPdfs();
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1, serviceWorkers: 'block' });
  let zonal = await ctx.newPage();
  let pdfjs = await ctx.newPage();
  await pdfjsPage(pdfjs);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (const file of files) {
    // A file that crashes either renderer's tab is no sample; the tab is replaced.
    const a = await zonalRender(zonal, file).catch(async () => {
      await zonal.close().catch(() => {});
      zonal = await ctx.newPage();
      return null;
    });
    const b = await pdfjsRender(pdfjs, file).catch(async () => {
      await pdfjs.close().catch(() => {});
      pdfjs = await ctx.newPage();
      await pdfjsPage(pdfjs);
      return null;
    });
    if (a === null || b === null) {
      console.log(JSON.stringify({ file: path.relative(CORPUS, file), skipped: a === null ? 'zonal' : 'pdfjs' }));
      continue;
    }
    ours.push(a);
    theirs.push(b);
    console.log(JSON.stringify({ file: path.relative(CORPUS, file), zonal_ms: +a.toFixed(2), pdfjs_ms: +b.toFixed(2) }));
  }

  // File drop → first page visible, one-page invoice.
  const invoice = path.join(CORPUS, 'invoice2data/oyo.pdf');
  const firstOurs: number[] = [];
  const firstTheirs: number[] = [];
  for (let i = 0; i < ROUNDS + 2; i++) {
    await zonal.goto('/');
    await zonal.evaluate(markDrop);
    await zonal.getByTestId('file-input').first().setInputFiles(invoice);
    firstOurs.push(await dropToFirstPaint(zonal, 30_000));
    // pdf.js paints at the same size as the app's first (fit-width) paint.
    const canvasWidth = await zonal.getByTestId('page-1').locator('canvas').evaluate((c: HTMLCanvasElement) => c.width);

    await pdfjs.goto('/__bench.html');
    await pdfjs.waitForFunction(() => (window as any).ready === true);
    await pdfjs.evaluate((canvasWidth) => {
      const input = document.getElementById('f') as HTMLInputElement;
      input.addEventListener('change', async () => {
        const t = performance.now();
        const bytes = new Uint8Array(await input.files![0].arrayBuffer());
        const doc = await (window as any).pdfjs.getDocument({ data: bytes }).promise;
        const p = await doc.getPage(1);
        const vp = p.getViewport({ scale: canvasWidth / p.getViewport({ scale: 1 }).width });
        const c = document.getElementById('c') as HTMLCanvasElement;
        c.width = Math.ceil(vp.width);
        c.height = Math.ceil(vp.height);
        await p.render({ canvasContext: c.getContext('2d'), viewport: vp }).promise;
        (window as any).firstPage = performance.now() - t;
      }, { once: true });
    }, canvasWidth);
    await pdfjs.locator('#f').setInputFiles(invoice);
    const theirsMs = await pdfjs.waitForFunction(() => (window as any).firstPage ?? null, undefined, { timeout: 30_000 }).then((h) => h.jsonValue());
    firstTheirs.push(theirsMs as number);
  }
  const result = {
    pages: ours.length,
    zonal_median_ms: +median(ours).toFixed(2),
    pdfjs_median_ms: +median(theirs).toFixed(2),
    ratio: +(median(ours) / median(theirs)).toFixed(3),
    first_page_zonal_ms: +median(firstOurs).toFixed(1),
    first_page_pdfjs_ms: +median(firstTheirs).toFixed(1),
    first_page_ratio: +(median(firstOurs) / median(firstTheirs)).toFixed(3),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  await ctx.close();
});
