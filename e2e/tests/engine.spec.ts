// The engine (wasm-core) runs in a Web Worker. A PDF that makes it fail costs that file
// only: the worker is restarted, the file is marked failed in plain words, and the other
// files, their pages and regions stay usable.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORPUS, dragRegion, lastRegionText, norm, referenceRegion, waitForPaint } from './helpers';

const FILE = 'invoice2data/oyo.pdf';

test('a PDF that makes the engine fail leaves the other open files usable', async ({ page }) => {
  // A real PDF with the engine's test trigger (a PDF comment after the header), which
  // makes the worker panic when it opens the file, as a PDF hitting an engine bug would.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-engine-'));
  const pdf = fs.readFileSync(path.join(CORPUS, FILE)).toString('latin1');
  const eol = pdf.indexOf('\n') + 1;
  fs.writeFileSync(path.join(dir, 'crashes.pdf'),
    Buffer.from(pdf.slice(0, eol) + '%zonal-test-engine-panic\n' + pdf.slice(eol), 'latin1'));

  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, FILE));
  await waitForPaint(page);
  const r = referenceRegion(FILE, 'p1-field-invoice_number');
  const box: [number, number, number, number] = [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1];
  await dragRegion(page, 1, box, r.pageWidth);
  expect(await lastRegionText(page)).toBe('IBZY2087');

  await page.getByTestId('file-input').first().setInputFiles(path.join(dir, 'crashes.pdf'));
  const failed = page.locator('li.file', { hasText: 'crashes.pdf' });
  await expect(failed.getByTestId('file-error')).toContainText('The PDF engine failed on this file');
  await expect(page.getByTestId('notice')).toContainText('your other files are as they were');

  // The first file, in the new worker: selected again, its page paints, its region kept,
  // and a new region (over a line of the page) reads its text.
  await page.locator('li.file', { hasText: 'oyo.pdf' }).click();
  await waitForPaint(page);
  await expect(page.getByTestId('region-item').first().getByTestId('region-text')).toContainText('IBZY2087');
  const line = referenceRegion(FILE, 'p1-line');
  await dragRegion(page, 1, line.box, line.pageWidth);
  await expect(page.getByTestId('region-item')).toHaveCount(2);
  expect([norm(line.expected), norm(line.within)]).toContain(await lastRegionText(page));
  await expect(page.locator('.fields [data-field="invoiceNumber"] input')).toHaveValue('IBZY2087');
});
