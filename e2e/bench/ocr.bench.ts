// Scanned receipts read in the browser (Tesseract in WebAssembly, in a Web Worker) as a
// person would have them read: the app, served without a relay, opens each dev `sroie/`
// receipt, reads its page by OCR and fills the invoice panel. Not a test:
// `scripts/bench.sh ocr` scores what the panel shows with the project's own scoring
// script (through scripts/bench/browser_zonal.py) beside the CLI's `zonal extract`.
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
  for (const f of files) {
    await page.goto(`http://127.0.0.1:${staticPort}/`);
    await page.getByTestId('file-input').first().setInputFiles(path.join(dir, f));
    const badge = page.getByTestId('scan-badge');
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="scan-badge"]')?.getAttribute('data-state');
      return s === 'done' || s === 'failed';
    }, undefined, { timeout: 180_000 });
    // The invoice is read again once the page's words are in.
    await page.waitForTimeout(300);
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
