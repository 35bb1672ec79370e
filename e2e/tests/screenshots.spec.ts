// Screenshots of the key screens, taken on every run of the suite from the real app, each
// after checking the screen shows what it should. A test run writes them under
// test-results/; scripts/screenshots.sh refreshes the README's (docs/screenshots/*.png)
// by setting ZONAL_SCREENSHOTS.
import { test, expect, Page } from '@playwright/test';
import * as path from 'path';
import { CORPUS, dragRegion, openFiles, referenceRegion, waitForPaint } from './helpers';

const OUT = process.env.ZONAL_SCREENSHOTS
  ? path.resolve(process.env.ZONAL_SCREENSHOTS)
  : path.resolve(__dirname, '../test-results/screenshots');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`) });

test.use({ viewport: { width: 1440, height: 900 } });

test('empty state', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('empty-state')).toContainText('Drop PDF invoices here');
  await shot(page, 'empty-state');
});

test('a document with regions, and its extracted invoice', async ({ page }) => {
  const file = 'invoice2data/oyo.pdf';
  await openFiles(page, file);
  await waitForPaint(page);
  const r = referenceRegion(file, 'p1-field-invoice_number');
  // The booking id, the date and the grand total (boxes from oyo.pdf.words.json, padded).
  const boxes: [[number, number, number, number], string][] = [
    [[r.box[0] - 3, r.box[1] - 2, r.box[2] + 3, r.box[3] + 2], 'invoiceNumber'],
    [[438, 76, 488, 91], 'invoiceDate'],
    [[500, 265, 538, 281], 'total'],
  ];
  for (const [box, field] of boxes) {
    await dragRegion(page, 1, box, r.pageWidth);
    await page.getByTestId('region-field').last().selectOption(field);
  }
  await expect(page.getByTestId('region-item')).toHaveCount(3);
  await shot(page, 'regions');
  await page.getByTestId('extract').click();
  await expect(page.locator('.fields [data-field="invoiceNumber"] input')).toHaveValue('IBZY2087');
  await page.getByTestId('structure-ai').click();
  await expect(page.getByTestId('ai-compare')).toBeVisible();
  await shot(page, 'invoice');
});

test('a template matched on opening', async ({ page }) => {
  await openFiles(page, 'invoice2data/QualityHosting.pdf');
  await waitForPaint(page);
  await page.getByTestId('template-import').setInputFiles(path.join(CORPUS, 'invoice2data/oyo.template.yml'));
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await page.locator('li.file', { hasText: 'oyo.pdf' }).click();
  await expect(page.getByTestId('template-match')).toContainText('matched OYO because');
  await waitForPaint(page);
  await shot(page, 'template-matched');
});

test('the share dialog, in the dark theme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openFiles(page, 'invoice2data/oyo.pdf');
  await waitForPaint(page);
  await page.getByTestId('share-open').click();
  await page.getByTestId('share-create').click();
  await expect(page.getByTestId('share-link')).toHaveValue(/#share=/);
  await shot(page, 'share-dialog');
});

test('the batch: text invoices and a scan read in the browser, values to check marked', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(
    ['invoice2data/oyo.pdf', 'invoice2data/AmazonWebServices.pdf', 'zugferd-visual/akretion_invoice_EN16931.pdf', 'sroie/000.pdf']
      .map((f) => path.join(CORPUS, f)));
  await page.getByTestId('batch-toggle').click();
  await expect(page.locator('[data-testid="batch-row"][data-file="000.pdf"] [data-testid="batch-status"]'))
    .toContainText('Read by OCR', { timeout: 120_000 });
  await expect(page.getByTestId('batch-row')).toHaveCount(4);
  await shot(page, 'batch');
});
