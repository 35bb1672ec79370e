// Scanned receipts read in the browser (Tesseract in WebAssembly, in a Web Worker) as a
// person would have them read: the app, served without a relay, is given the dev
// `sroie/` receipts at once, reads each page by OCR (one at a time, the engine loaded
// once) and fills each file's invoice. Not a test: `scripts/bench.sh ocr` scores what
// the invoice panel shows with the project's own scoring script (through
// scripts/bench/browser_zonal.py) beside the CLI's `zonal extract`.
//
// Prints one JSON line per receipt: {"file", "ms" (render to words, in the browser),
// "invoice", "confidence": {"fields"}} — the shape `zonal extract` prints.
import { test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';
import { staticPort } from '../playwright.config';

const LIMIT = Number(process.env.RECEIPTS ?? 1000);

test('ocr: dev receipts read in the browser', async ({ browser }) => {
  test.setTimeout(120 * 60_000);
  const dir = path.join(CORPUS, 'sroie');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pdf')).sort().slice(0, LIMIT);
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${staticPort}/`);
  await page.getByTestId('file-input').first().setInputFiles(files.map((f) => path.join(dir, f)));
  // Every file read: the file list says "read by OCR" (or why not) for each.
  await page.waitForFunction((n) => {
    const done = [...document.querySelectorAll('[data-testid="file-ocr"]')]
      .filter((e) => /read by OCR|OCR failed/.test(e.textContent ?? ''));
    return done.length >= n;
  }, files.length, { timeout: 110 * 60_000, polling: 1000 });
  for (const f of files) {
    await page.getByTestId('file-name').filter({ hasText: new RegExp(`^${f.replace('.', '\\.')}$`) }).click();
    const badge = page.getByTestId('scan-badge');
    await badge.waitFor();
    await page.waitForTimeout(100);
    const ms = Number(await badge.getAttribute('data-ms')) || null;
    const invoice: Record<string, string> = {};
    const fields: Record<string, number> = {};
    for (const row of await page.getByTestId('field').all()) {
      const name = (await row.getAttribute('data-field'))!;
      const value = await row.locator('input').inputValue();
      const pct = /(\d+)\s?%/.exec((await row.locator('.badge').textContent()) ?? '');
      if (value) invoice[name] = value;
      if (value && pct) fields[name] = Number(pct[1]) / 100;
    }
    console.log(JSON.stringify({ file: `sroie/${f}`, ms, invoice, confidence: { fields } }));
  }
});
