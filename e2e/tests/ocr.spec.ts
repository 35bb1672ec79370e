// Scans in the browser. A page without a text layer is read offline by Tesseract compiled
// to WebAssembly (in a Web Worker, loaded from the app's own assets), so its fields reach
// the invoice and the CSV with no relay at all; on a relay, a region can also be "read on
// the server" (Tesseract there), the crop it read shown beside the text.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS, dragRegion, openFiles, waitForPaint } from './helpers';
import { staticPort } from '../playwright.config';

const SCAN = 'pdfjs/issue4379.pdf'; // an image-only page reading "Image Mask Example"
const RECEIPT = 'sroie/000.pdf'; // a photographed till receipt: 25/12/2018, total 9.00

test('a scanned receipt is read in the browser with no relay and nothing leaving the device', async ({ page }, info) => {
  const origin = `http://127.0.0.1:${staticPort}`;
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (!url.startsWith(origin + '/') || url.includes('/api/')) {
      outside.push(url);
      return route.abort();
    }
    return route.continue();
  });
  await page.goto(`${origin}/`);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, RECEIPT));
  const badge = page.getByTestId('scan-badge');
  await expect(badge).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(badge).toHaveText(/^Read by OCR \(\d+ %\)$/);
  await expect(page.getByTestId('file-ocr')).toContainText('read by OCR');
  // The words are the page's text: the invoice has the receipt's date and total.
  const field = (name: string) => page.locator(`[data-testid="field"][data-field="${name}"] input`);
  await expect(field('invoiceDate')).toHaveValue('2018-12-25');
  await expect(field('total')).toHaveValue('9.00');
  // A region over the scan reads the OCR words at once.
  await dragRegion(page, 1, [0, 0, 220, 60], 227);
  await expect(page.getByTestId('region-item').last().getByTestId('region-text')).not.toContainText('No text');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv).toContain('000.pdf');
  expect(csv).toContain('2018-12-25');
  expect(csv).toContain('9.00');
  // The engine and the models came from the app's origin (the only requests blocked were
  // the relay's API), and the service worker keeps them for the next time offline.
  expect(outside.filter((u) => !u.includes('/api/'))).toEqual([]);
  await expect.poll(async () => page.evaluate(async () => {
    const cache = await caches.open('zonal-assets-1');
    return (await cache.keys()).map((r) => r.url).filter((u) => u.includes('/assets/ocr/')).length;
  }), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  await page.screenshot({ path: info.outputPath('receipt-ocr.png') });
});

test('a region of a scan can also be read on the server, and shows the crop it read', async ({ page }, info) => {
  await openFiles(page, SCAN);
  await waitForPaint(page);
  await expect(page.getByTestId('scan-badge')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  // The word "Image" in the top third of the A4 page (595 pt wide).
  await dragRegion(page, 1, [60, 20, 520, 170], 595);
  const item = page.getByTestId('region-item').last();
  await expect(item.getByTestId('region-text')).toHaveText('Image');
  await item.getByTestId('ocr').click();
  const ocr = item.getByTestId('region-ocr');
  await expect(ocr).toContainText('Read by OCR (tesseract)', { timeout: 60_000 });
  await expect(item.getByTestId('region-text')).toHaveText('Image');
  const width = await ocr.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth);
  expect(width).toBeGreaterThan(1000); // 460 pt at 300 DPI ≈ 1917 px
  await page.screenshot({ path: info.outputPath('ocr.png') });
});

test('without a relay, reading on the server says why it is unavailable', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${staticPort}/`);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, SCAN));
  await waitForPaint(page);
  await dragRegion(page, 1, [60, 20, 520, 170], 595);
  await expect(page.getByTestId('ocr')).toBeDisabled();
  await expect(page.getByTestId('ocr-unavailable')).toContainText('OCR needs the relay');
});
