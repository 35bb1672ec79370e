// Words in wasm vs natively: the app (in headless Chromium) reads the text of every page
// of every corpus PDF as it opens it; each page read is a `zonal:text <page>` User Timing
// measure. Per file, the best of ROUNDS openings of the sum over its pages (the last read
// of each page: a page is read again if a fetched font arrived). Not a test:
// `scripts/bench.sh text-wasm`, which sets it against `cargo bench --bench words`'s
// `per_page_seconds` (the same page-by-page reads, natively).
//
// Prints one JSON line per file: {"file", "pages", "wasm_seconds"}. NATIVE_JSONL names the
// native run's output: its files (and page counts) are the ones measured.
import { test, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';
import { corpusPdfs } from './support';

const ROUNDS = Number(process.env.ROUNDS ?? 3);

/** Seconds the app spent reading `file`'s pages' text, or null if it did not open. */
async function readOnce(page: Page, file: string, pages: number): Promise<{ pages: number; seconds: number } | null> {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(file);
  const opened = await page.getByTestId('page-1').waitFor({ timeout: 10_000 }).then(() => true, () => false);
  if (!opened) return null;
  // Every page read, and the invoice pipeline (which runs after the last read) done.
  const ok = await page.waitForFunction((pages) => {
    const seen = new Set(performance.getEntriesByType('measure')
      .filter((e) => e.name.startsWith('zonal:text ')).map((e) => e.name));
    return seen.size >= pages;
  }, pages, { timeout: 60_000 }).then(() => true, () => false);
  if (!ok) return null;
  await page.waitForTimeout(200);
  const seconds = await page.evaluate(() => {
    const last = new Map<string, number>();
    for (const e of performance.getEntriesByType('measure')) {
      if (e.name.startsWith('zonal:text ')) last.set(e.name, e.duration);
    }
    return [...last.values()].reduce((a, b) => a + b, 0) / 1000;
  });
  return { pages, seconds };
}

test('text: words of every page in wasm', async ({ browser }) => {
  test.setTimeout(30 * 60_000);
  // The files the native run read, with their page counts.
  const native = new Map<string, number>(fs.readFileSync(process.env.NATIVE_JSONL!, 'utf8').split('\n')
    .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).map((r) => [r.file, r.pages]));
  const files = corpusPdfs().filter((f) => native.has(path.relative(CORPUS, f)));
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  let page = await ctx.newPage();
  for (const file of files) {
    let best: { pages: number; seconds: number } | null = null;
    for (let i = 0; i < ROUNDS; i++) {
      const got = await readOnce(page, file, native.get(path.relative(CORPUS, file))!).catch(async () => {
        await page.close().catch(() => {});
        page = await ctx.newPage();
        return null;
      });
      if (got && (!best || got.seconds < best.seconds)) best = got;
    }
    const rel = path.relative(CORPUS, file);
    console.log(JSON.stringify(best ? { file: rel, pages: best.pages, wasm_seconds: +best.seconds.toFixed(6) } : { file: rel, skipped: true }));
  }
  await ctx.close();
});
