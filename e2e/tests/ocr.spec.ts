// A scan in the browser: the page has no text layer, a region drawn over it is sent to
// the relay's OCR (Tesseract here), and the text appears beside the crop that was read.
import { test, expect } from '@playwright/test';
import * as path from 'path';
import { CORPUS, dragRegion, openFiles, waitForPaint } from './helpers';
import { staticPort } from '../playwright.config';

const SCAN = 'pdfjs/issue4379.pdf'; // an image-only page reading "Image Mask Example"

test('OCR reads a region of a scanned page and shows the crop', async ({ page }, info) => {
  await openFiles(page, SCAN);
  await waitForPaint(page);
  await expect(page.getByTestId('needs-ocr')).toBeVisible();
  // The word "Image" in the top third of the A4 page (595 pt wide).
  await dragRegion(page, 1, [60, 20, 520, 170], 595);
  const item = page.getByTestId('region-item').last();
  await expect(item.getByTestId('region-text')).toContainText('No text layer');
  await item.getByTestId('ocr').click();
  await expect(item.getByTestId('region-text')).toHaveText('Image', { timeout: 60_000 });
  const ocr = item.getByTestId('region-ocr');
  await expect(ocr).toContainText('Read by OCR (tesseract)');
  const width = await ocr.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth);
  expect(width).toBeGreaterThan(1000); // 460 pt at 300 DPI ≈ 1917 px
  await page.screenshot({ path: info.outputPath('ocr.png') });
});

test('without a relay the OCR button says why it is unavailable', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${staticPort}/`);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, SCAN));
  await waitForPaint(page);
  await dragRegion(page, 1, [60, 20, 520, 170], 595);
  await expect(page.getByTestId('ocr')).toBeDisabled();
  await expect(page.getByTestId('ocr-unavailable')).toContainText('OCR needs the relay');
});
