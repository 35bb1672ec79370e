// The first thing a person does with Zonal: open a PDF, drag over a field, read its text.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS, dragRegion, lastRegionText, norm, openFiles, referenceRegion, waitForPaint } from './helpers';

const INVOICE = 'invoice2data/oyo.pdf';
const expectedNumber = () =>
  JSON.parse(fs.readFileSync(path.join(CORPUS, 'invoice2data/oyo.expected.json'), 'utf8'))[0].invoice_number;

test('empty state invites a drop', async ({ page }, info) => {
  await page.goto('/');
  await expect(page.getByTestId('empty-state')).toContainText('Drop PDF invoices here');
  await page.screenshot({ path: info.outputPath('empty-state.png') });
});

test('drag over the invoice number shows it in the panel', async ({ page }, info) => {
  await openFiles(page, INVOICE);
  await waitForPaint(page);
  const r = referenceRegion(INVOICE, 'p1-field-invoice_number');
  // A person draws loosely around the number.
  const loose: [number, number, number, number] = [r.box[0] - 3, r.box[1] - 2, r.box[2] + 3, r.box[3] + 2];
  await dragRegion(page, 1, loose, r.pageWidth);
  expect(await lastRegionText(page)).toBe(expectedNumber());
  await page.screenshot({ path: info.outputPath('invoice-with-region.png') });
});

test('the same at 200% zoom', async ({ page }) => {
  await openFiles(page, INVOICE);
  await waitForPaint(page);
  await page.getByTestId('zoom').selectOption('200');
  await waitForPaint(page);
  const r = referenceRegion(INVOICE, 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  expect(await lastRegionText(page)).toBe(expectedNumber());
});

test.describe('on a devicePixelRatio 2 screen', () => {
  test.use({ deviceScaleFactor: 2 });
  test('the canvas is crisp and the region is still exact', async ({ page }) => {
    await openFiles(page, INVOICE);
    await waitForPaint(page);
    const canvas = page.getByTestId('page-1').locator('canvas');
    const [backing, css] = await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.getBoundingClientRect().width]);
    expect(backing / css).toBeCloseTo(2, 1);
    const r = referenceRegion(INVOICE, 'p1-field-invoice_number');
    await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
    expect(await lastRegionText(page)).toBe(expectedNumber());
  });
});

for (const [file, id, label] of [
  ['pdfplumber/nics-background-checks-2015-11-rotated.pdf', 'p1-line', 'a /Rotate 90 page'],
  ['pdfplumber/nics-background-checks-2015-11-rotated.pdf', 'p1-block', 'vertical text on a /Rotate 90 page'],
  ['pdfjs/issue6413.pdf', 'p1-line', 'a CropBox offset from the MediaBox'],
]) {
  test(`region text is right on ${label}`, async ({ page }) => {
    await openFiles(page, file);
    await waitForPaint(page);
    const r = referenceRegion(file, id);
    await dragRegion(page, 1, r.box, r.pageWidth);
    expect([norm(r.expected), norm(r.within)]).toContain(await lastRegionText(page));
  });
}

test('moving a region updates its text', async ({ page }) => {
  await openFiles(page, INVOICE);
  await waitForPaint(page);
  const r = referenceRegion(INVOICE, 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  expect(await lastRegionText(page)).toBe(expectedNumber());
  // Drag the region body right, onto "Cash at Hotel" in the Payment Mode column.
  const words = JSON.parse(fs.readFileSync(path.join(CORPUS, `${INVOICE}.words.json`), 'utf8')).pages[0].words;
  const cash = words.find((w: any[]) => w[0] === 'Cash' && Math.abs(w[2] - r.box[1]) < 5);
  const region = page.locator('.region').first();
  const b = await region.boundingBox();
  if (!b) throw new Error('no region');
  const k = b.width / (r.box[2] - r.box[0] + 4);
  const dx = (cash[1] - (r.box[0] - 2)) * k;
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 + dx, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => lastRegionText(page)).not.toBe(expectedNumber());
  expect(await lastRegionText(page)).toContain('Cash');
});

test('a malformed PDF shows a plain error and the app keeps working', async ({ page }, info) => {
  await openFiles(page, 'pdfplumber/empty.pdf', INVOICE);
  await expect(page.getByTestId('file-error')).toContainText('not a readable PDF');
  await page.getByText('oyo.pdf').click();
  await waitForPaint(page);
  await page.screenshot({ path: info.outputPath('malformed-error.png') });
});

test('an encrypted PDF asks for its password and then opens', async ({ page }) => {
  await openFiles(page, 'pdfplumber/password-example.pdf');
  await page.getByLabel('Password', { exact: true }).fill('wrong');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByText('Wrong password')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill('test');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await waitForPaint(page);
});
