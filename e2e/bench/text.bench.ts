// Words in wasm vs natively: the app (in headless Chromium) reads the text of every page
// of every corpus PDF as it opens it; each page read is a `zonal:text <page>` User Timing
// measure in the engine worker's timeline. A round opens every file, one after another,
// in one page load, as a person working through a pile of bills would: the engine worker
// is warm (V8 compiles a wasm function on its first call, so the first file of a page
// load pays for compiling what it uses; each round starts at a different file). Per file,
// the best of ROUNDS rounds of the sum over its pages (the last read of each page: a page
// is read again if a fetched font arrived). Not a test: `scripts/bench.sh text-wasm`,
// which sets it against `cargo bench --bench words`'s `per_page_seconds` (the same
// page-by-page reads, natively, in one process).
//
// Prints one JSON line per file: {"file", "pages", "wasm_seconds"}. NATIVE_JSONL names the
// native run's output: its files (and page counts) are the ones measured.
import { test, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';
import { corpusPdfs, engineWorker } from './support';

const ROUNDS = Number(process.env.ROUNDS ?? 3);

/** Seconds the engine spent reading `file`'s pages' text, or null if it did not open. */
async function readOnce(page: Page, file: string, pages: number): Promise<number | null> {
  const worker = engineWorker(page);
  if (!worker) return null;
  await worker.evaluate(() => performance.clearMeasures());
  await page.getByTestId('file-input').first().setInputFiles(file);
  const measures = () => worker.evaluate(() => performance.getEntriesByType('measure')
    .filter((e) => e.name.startsWith('zonal:text ')).map((e) => [e.name, e.duration] as [string, number]));
  // A file that does not open reads nothing: given up on after 10 s without a page.
  const started = Date.now();
  for (;;) {
    const seen = new Set((await measures()).map(([n]) => n)).size;
    if (seen >= pages) break;
    if (Date.now() - started > (seen ? 60_000 : 10_000)) return null;
    await page.waitForTimeout(50);
  }
  await page.waitForTimeout(200);
  const last = new Map<string, number>(await measures());
  return [...last.values()].reduce((a, b) => a + b, 0) / 1000;
}

test('text: words of every page in wasm', async ({ browser }) => {
  test.setTimeout(30 * 60_000);
  // The files the native run read, with their page counts.
  const native = new Map<string, number>(fs.readFileSync(process.env.NATIVE_JSONL!, 'utf8').split('\n')
    .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).map((r) => [r.file, r.pages]));
  const files = corpusPdfs().filter((f) => native.has(path.relative(CORPUS, f))).slice(0, Number(process.env.LIMIT ?? Infinity));
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh profile each round: the app restores its last session from IndexedDB.
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByTestId('file-input').first().waitFor({ state: 'attached' });
    while (!engineWorker(page)) await page.waitForTimeout(50);
    const start = Math.floor((round * files.length) / ROUNDS);
    for (const file of [...files.slice(start), ...files.slice(0, start)]) {
      const t = Date.now();
      const seconds = await readOnce(page, file, native.get(path.relative(CORPUS, file))!).catch(() => null);
      if (process.env.BENCH_VERBOSE) console.error(round, path.relative(CORPUS, file), seconds, Date.now() - t, 'ms');
      if (seconds !== null && seconds < (best.get(file) ?? Infinity)) best.set(file, seconds);
    }
    await ctx.close();
  }
  for (const file of files) {
    const rel = path.relative(CORPUS, file);
    const s = best.get(file);
    console.log(JSON.stringify(s !== undefined ? { file: rel, pages: native.get(rel), wasm_seconds: +s.toFixed(6) } : { file: rel, skipped: true }));
  }
});
