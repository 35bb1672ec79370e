// Line items in the app: a region over the item table, each column mapped to what it
// holds, becomes the line items; saved with the vendor's template, it gives the vendor's
// next bill its items. Rows can be edited, deleted and added, and the CSV follows.
import { test, expect } from '@playwright/test';
import * as path from 'path';
import { CORPUS, dragRegion, waitForPaint } from './helpers';

// Two bills of one vendor (Lieferant GmbH), their e-invoice XML removed: the items
// table is on page 2.
const FIRST = 'zugferd-visual/xr_EN16931_Einfach.pdf';
const NEXT = 'zugferd-visual/xr_XRECHNUNG_Einfach.pdf';

test('a region over the item table becomes line items, saved with the template for the next bill', async ({ page }, info) => {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, FIRST));
  await waitForPaint(page);
  await dragRegion(page, 2, [185, 100, 540, 240], 595);
  const region = page.getByTestId('region-item').last();
  await region.getByTestId('region-field').selectOption('lineItems');
  // Columns: description, unit price, quantity ("20 Stk"), tax rate, net amount.
  const columns = region.getByTestId('item-column');
  await expect(columns).toHaveCount(5);
  for (const [i, kind] of ['description', 'unitPrice', 'quantity', 'ignore', 'lineTotal'].entries()) {
    await columns.nth(i).selectOption(kind);
  }
  const rows = page.getByTestId('item-row');
  await expect(rows).toHaveCount(2);
  const cells = (i: number) => rows.nth(i).locator('input').evaluateAll((xs) => xs.map((x) => (x as HTMLInputElement).value));
  expect((await cells(0)).slice(1)).toEqual(['20', '9.9000', '198.00']);
  expect((await cells(1)).slice(1)).toEqual(['50', '5.5000', '275.00']);
  await expect(page.getByTestId('items-source')).toContainText('from your region');
  await page.screenshot({ path: info.outputPath('items-region.png') });

  await page.getByLabel('Template vendor').fill('Lieferant GmbH');
  await page.getByTestId('save-template').click();
  await expect(page.getByTestId('template-item')).toHaveCount(1);

  // The vendor's next bill: the template matches and brings the items, by its columns.
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, NEXT));
  await page.getByTestId('file-name').filter({ hasText: 'XRECHNUNG' }).click();
  await expect(page.getByTestId('template-match')).toContainText('Lieferant GmbH');
  await expect(page.getByTestId('items-source')).toContainText("from the vendor's template");
  await expect(rows).toHaveCount(2);
  expect((await cells(0)).slice(1)).toEqual(['20', '9.9000', '198.00']);

  // Edit, delete and add rows: the CSV (extended) follows the person's items.
  await rows.nth(0).getByLabel('Description, line 1').fill('Trennblätter A4, grau');
  await rows.nth(0).getByLabel('Description, line 1').press('Enter');
  await expect(page.getByTestId('line-items')).toBeVisible();
  await page.getByTestId('item-delete').nth(1).click();
  await expect(rows).toHaveCount(1);
  await page.getByTestId('item-add').click();
  await expect(rows).toHaveCount(2);
  await rows.nth(1).getByLabel('Line total, line 2').fill('12,50');
  await rows.nth(1).getByLabel('Line total, line 2').press('Enter');
  await expect(rows.nth(1).getByLabel('Line total, line 2')).toHaveValue('12.50');
  await expect(rows.nth(0).getByLabel('Description, line 1')).toHaveValue('Trennblätter A4, grau');
});
