// From PDF to CSV in the browser: templates are imported or saved, matched on opening,
// the invoice is corrected, and the combined CSV is downloaded.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS, dragRegion, openFiles, referenceRegion, waitForPaint } from './helpers';

const HEADER =
  'invoiceNumber,invoiceDate,vendorName,currency,subtotal,tax,total,dueDate,lineItemIndex,description,quantity,unitPrice,lineTotal,confidenceScore,filename';

const expected = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(CORPUS, `invoice2data/${name}.expected.json`), 'utf8'))[0];

/** Clicks "Export CSV" and returns the downloaded file's rows (cells split naively). */
async function exportCsv(page: Page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toBe('zonal-invoices.csv');
  const text = fs.readFileSync(await download.path(), 'utf8');
  return text.trimEnd().split('\r\n');
}

test('an imported invoice2data template is matched on opening and drives the CSV', async ({ page }, info) => {
  const exp = expected('oyo');
  await page.goto('/');
  // Import first (the templates panel appears once a file is open, so open one).
  await openFiles(page, 'invoice2data/QualityHosting.pdf');
  await waitForPaint(page);
  await page.getByTestId('template-import').setInputFiles(path.join(CORPUS, 'invoice2data/oyo.template.yml'));
  await expect(page.getByTestId('template-item')).toContainText('OYO');

  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await page.locator('li.file', { hasText: 'oyo.pdf' }).click();
  await expect(page.getByTestId('template-match')).toContainText('matched OYO because the first page contains');
  const number = page.locator('[data-field="invoiceNumber"] input');
  await expect(number).toHaveValue(exp.invoice_number);
  await page.screenshot({ path: info.outputPath('template-matched.png') });

  const rows = await exportCsv(page);
  expect(rows[0]).toBe(HEADER);
  const oyo = rows.find((r) => r.endsWith(',oyo.pdf'));
  expect(oyo, rows.join('\n')).toBeDefined();
  const cells = oyo!.split(',');
  expect(cells[0]).toBe(exp.invoice_number); // IBZY2087
  expect(cells[1]).toBe(exp.date.slice(0, 10)); // 2017-12-31
  expect(cells[2]).toBe('OYO');
  expect(Number(cells[6])).toBe(exp.amount); // 1939
  expect(rows.some((r) => r.endsWith(',QualityHosting.pdf'))).toBe(true);
});

test('a correction is what gets exported, and a saved template survives a reload', async ({ page }) => {
  const file = 'invoice2data/oyo.pdf';
  await openFiles(page, file);
  await waitForPaint(page);
  // Map a drawn region to the invoice number.
  const r = referenceRegion(file, 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  await page.getByTestId('region-field').last().selectOption('invoiceNumber');
  await page.getByTestId('extract').click();
  await expect(page.locator('[data-field="invoiceNumber"] input')).toHaveValue('IBZY2087');

  // Correct the total; a bad value is refused with a reason.
  const total = page.locator('[data-field="total"] input');
  await total.fill('twelve');
  await total.press('Enter');
  await total.blur();
  await expect(page.locator('[data-field="total"] [role="alert"]')).toContainText('not an amount');
  await total.fill('2000,50');
  await total.blur();
  await expect(page.locator('[data-field="total"]')).toContainText('edited');
  const rows = await exportCsv(page);
  expect(rows[1].split(',')[6]).toBe('2000.50');

  await page.getByLabel('Template vendor').fill('OYO rooms');
  await page.getByTestId('save-template').click();
  await expect(page.getByTestId('template-item')).toContainText('OYO rooms');
  await page.reload();
  await openFiles(page, file);
  await expect(page.getByTestId('template-match')).toContainText('matched OYO rooms');
  // The template's region is back on the page, mapped to its field.
  await expect(page.getByTestId('region-item')).toHaveCount(1);
  await expect(page.getByTestId('region-text')).toHaveText('IBZY2087');
});

test('an e-invoice is read from its embedded XML', async ({ page }) => {
  await openFiles(page, 'zugferd/xr_EN16931_Einfach.pdf');
  const json = JSON.parse(fs.readFileSync(path.join(CORPUS, 'zugferd/xr_EN16931_Einfach.expected.json'), 'utf8'));
  await expect(page.getByTestId('invoice-panel')).toContainText('e-invoice XML');
  await expect(page.locator('[data-field="total"] input')).toHaveValue(json.grand_total);
  await expect(page.getByTestId('line-items').locator('tbody tr')).toHaveCount(json.line_count);
});

test('a broken template file is refused with its reason', async ({ page }, info) => {
  await openFiles(page, 'invoice2data/oyo.pdf');
  const bad = info.outputPath('bad.yml');
  fs.writeFileSync(bad, 'issuer: X\nfields:\n  amount: (unclosed\n');
  await page.getByTestId('template-import').setInputFiles(bad);
  await expect(page.getByTestId('notice')).toContainText('bad.yml');
  await expect(page.getByTestId('template-item')).toHaveCount(0);
});

test('exported templates import again, all of them', async ({ page }) => {
  await openFiles(page, 'invoice2data/oyo.pdf');
  await page.getByTestId('template-import').setInputFiles([
    path.join(CORPUS, 'invoice2data/oyo.template.yml'),
    path.join(CORPUS, 'invoice2data/QualityHosting.template.yml'),
  ]);
  const items = page.getByTestId('template-item');
  await expect(items).toHaveCount(2);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('template-export').click()]);
  expect(download.suggestedFilename()).toBe('zonal-templates.json');
  const exported = await download.path();
  // Delete both, then import the exported file: both come back, and still match.
  for (let n = 2; n > 0; n--) {
    await items.first().getByRole('button').click();
    await expect(items).toHaveCount(n - 1);
  }
  await page.getByTestId('template-import').setInputFiles({
    name: 'zonal-templates.json',
    mimeType: 'application/json',
    buffer: fs.readFileSync(exported),
  });
  await expect(items).toHaveCount(2);
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await expect(page.getByTestId('template-match')).toContainText('matched OYO');
});

test('a blank page is not taken for a scan, and a locked file shows no pages', async ({ page }, info) => {
  // One page that draws nothing: no OCR badge, and the reading says nothing about OCR.
  const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>'];
  let pdf = '%PDF-1.4\n';
  const offsets = objs.map((o, i) => { const at = pdf.length; pdf += `${i + 1} 0 obj\n${o}\nendobj\n`; return at; });
  const xref = pdf.length;
  pdf += `xref\n0 4\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const blank = info.outputPath('blank.pdf');
  fs.writeFileSync(blank, pdf);
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(blank);
  await waitForPaint(page);
  await expect(page.getByTestId('page-indicator')).toHaveText('Page 1 of 1');
  await expect(page.getByTestId('scan-badge')).toHaveCount(0);
  await expect(page.getByTestId('invoice-panel')).not.toContainText('OCR');
  // A file waiting for its password has no pages to page through.
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'pdfplumber/password-example.pdf'));
  await page.getByTestId('file-name').filter({ hasText: 'password-example' }).click();
  await expect(page.getByTestId('page-indicator')).toHaveText('No pages to show');
});

test('a region over a ruled table shows its rows and cells', async ({ page }) => {
  // tabula-java's lattice test area on schools.pdf: [top, left, bottom, right].
  const spec = JSON.parse(fs.readFileSync(path.join(CORPUS, 'tabula/schools.tabula.json'), 'utf8'));
  const [top, left, bottom, right] = spec.areas[0];
  await openFiles(page, 'tabula/schools.pdf');
  await waitForPaint(page);
  const width = JSON.parse(fs.readFileSync(path.join(CORPUS, 'tabula/schools.pdf.words.json'), 'utf8')).pages[0].width;
  await dragRegion(page, 1, [left, top, right, Math.min(bottom, 200)], width);
  const table = page.getByTestId('region-table');
  await expect(table).toContainText('rows × 10 columns');
  await table.locator('summary').click();
  // The CSV's first data row: "",Lidstad,Dick & Peg,62 Mississippi River Blvd N,…
  await expect(table.locator('tr').nth(1).locator('td').nth(1)).toHaveText('Dick & Peg');
  // The wide table scrolls in its panel: the window does not move, the toolbar stays.
  expect(await page.evaluate(() => [window.scrollX, window.scrollY])).toEqual([0, 0]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await expect(page.getByRole('toolbar')).toBeInViewport();
});

test('a value being typed survives a new reading of the invoice', async ({ page }) => {
  await page.goto('/');
  await openFiles(page, 'invoice2data/oyo.pdf');
  const panel = page.getByTestId('invoice-panel');
  const vendor = page.locator('#f-vendorName');
  const number = page.locator('#f-invoiceNumber');
  await expect(number).toHaveValue('IBZY2087');
  await expect(panel).not.toHaveAttribute('aria-busy', 'true');
  await vendor.click();
  await vendor.fill('');
  await page.keyboard.type('Typed Vendor');
  // Extract again without taking the focus away (a click from script, not the mouse):
  // the reading arrives while the person is still in the field.
  // Resolved once the panel was busy with the reading and is no longer.
  const read = await page.evaluateHandle(() => new Promise<void>((resolve) => {
    const panel = document.querySelector('[data-testid="invoice-panel"]')!;
    let busy = false;
    new MutationObserver(() => {
      if (panel.getAttribute('aria-busy') === 'true') busy = true;
      else if (busy) resolve();
    }).observe(panel, { attributes: true, attributeFilter: ['aria-busy'] });
    (document.querySelector('[data-testid="extract"]') as HTMLButtonElement).click();
  }));
  await read.evaluate((p) => p);
  await expect(vendor).toBeFocused();
  await expect(vendor).toHaveValue('Typed Vendor');
  await expect(number).toHaveValue('IBZY2087');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-field="vendorName"] .badge.edited')).toBeVisible();
  await expect(vendor).toHaveValue('Typed Vendor');
});
