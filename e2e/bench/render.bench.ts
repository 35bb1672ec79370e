// Median time to render and paint one page in Chromium, measured from the app's own
// `zonal:render` User Timing entries, over the first page of every text PDF in the corpus
// dev set, at 150 % zoom on a devicePixelRatio-1 screen (144 DPI).
import { test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';

const DIRS = ['invoice2data', 'zugferd', 'icdar2013', 'tabula', 'pdfplumber', 'pdfjs', 'hayro'];

test('render: median ms per page', async ({ page }) => {
  const files = DIRS.flatMap((d) =>
    fs.readdirSync(path.join(CORPUS, d)).filter((f) => f.endsWith('.pdf')).map((f) => path.join(CORPUS, d, f)));
  const times: number[] = [];
  for (const file of files) {
    await page.goto('/');
    await page.getByTestId('zoom').waitFor({ state: 'detached' }).catch(() => {});
    await page.getByTestId('file-input').first().setInputFiles(file);
    const ok = await page.getByTestId('zoom').waitFor({ timeout: 5_000 }).then(() => true, () => false);
    if (!ok) continue; // not openable (malformed or encrypted): not a render sample
    await page.getByTestId('zoom').selectOption('150');
    const got = await page.waitForFunction(() => {
      const m = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('zonal:render') && e.name.endsWith(':1'));
      return m.length >= 2 ? m[m.length - 1].duration : null; // the 150 % render follows the fit-width one
    }, undefined, { timeout: 30_000 }).then((h) => h.jsonValue(), () => null);
    if (typeof got === 'number') times.push(got);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const p90 = times[Math.floor(times.length * 0.9)];
  console.log(`render pages=${times.length} median_ms=${median.toFixed(1)} p90_ms=${p90.toFixed(1)} max_ms=${times[times.length - 1].toFixed(1)}`);
});
