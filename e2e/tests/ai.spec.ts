// "Structure with AI": the document's text goes to the relay, which asks Gemini (a
// local stand-in speaking Gemini's wire format, e2e/support/fake-gemini.mjs); the AI's
// invoice appears beside the rule-based one, rows that differ are marked, and an AI
// value can be taken as a correction that the CSV then carries.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS, openFiles, waitForPaint } from './helpers';
import { staticPort } from '../playwright.config';

const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, 'invoice2data/oyo.expected.json'), 'utf8'))[0];

test('the AI reading is shown beside the rules, differences marked', async ({ page }, info) => {
  await openFiles(page, 'invoice2data/oyo.pdf');
  await waitForPaint(page);
  const number = page.locator('.fields [data-field="invoiceNumber"] input');
  await expect(number).toHaveValue(expected.invoice_number);
  const ai = page.getByTestId('structure-ai');
  await expect(ai).toBeEnabled();
  await ai.click();
  const compare = page.getByTestId('ai-compare');
  await expect(compare).toBeVisible({ timeout: 30_000 });
  await expect(compare.getByTestId('ai-status')).toContainText('Read by gemini');
  const row = (f: string) => compare.locator(`[data-testid="ai-row"][data-field="${f}"]`);
  // Both read the invoice number; the stand-in model leaves dates out, the rules do not.
  await expect(row('invoiceNumber').locator('td').nth(1)).toHaveText(expected.invoice_number);
  await expect(row('invoiceNumber')).toHaveAttribute('data-differs', 'false');
  await expect(row('invoiceDate').locator('td').nth(0)).toHaveText(expected.date);
  await expect(row('invoiceDate').locator('td').nth(1)).toHaveText('—');
  await expect(row('invoiceDate')).toHaveAttribute('data-differs', 'true');
  await expect(row('invoiceDate')).toHaveClass(/differs/);
  await page.screenshot({ path: info.outputPath('ai-comparison.png') });

  // Taking the AI's vendor makes it the invoice's vendor, marked as edited.
  const vendor = row('vendorName');
  await expect(vendor).toHaveAttribute('data-differs', 'true');
  const aiVendor = (await vendor.locator('td').nth(1).textContent())?.trim() ?? '';
  expect(aiVendor.length).toBeGreaterThan(0);
  await vendor.getByTestId('ai-use').click();
  await expect(page.locator('.fields [data-field="vendorName"] input')).toHaveValue(aiVendor);
  await expect(page.locator('.fields [data-field="vendorName"] .badge')).toHaveText('edited');
  await expect(vendor).toHaveAttribute('data-differs', 'false');
});

test('without a relay "Structure with AI" says why it is unavailable', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${staticPort}/`);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await waitForPaint(page);
  await expect(page.getByTestId('structure-ai')).toBeDisabled();
  await expect(page.getByTestId('ai-unavailable')).toContainText('AI structuring needs the relay');
});
