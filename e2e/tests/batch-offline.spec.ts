// The first visit of a Dutch-speaking user with a mixed batch and no relay: six files —
// three text invoices of different vendors, two photographed receipts, one broken file —
// dropped at once, with every request outside the app's own origin blocked. The scans
// are read in the browser and their date and total reach the CSV; the broken file is
// named as left out; the items of the invoice that has them are rows. The UI speaks
// Dutch (the browser's language) and switches to English.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from './helpers';
import { staticPort } from '../playwright.config';

test.use({ locale: 'nl-NL' });

test('six files, offline, in Dutch: scans read, CSV complete, the broken one left out', async ({ page }, info) => {
  test.setTimeout(180_000);
  const origin = `http://127.0.0.1:${staticPort}`;
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (!url.startsWith(origin + '/') || url.includes('/api/')) {
      if (!url.includes('/api/')) outside.push(url);
      return route.abort();
    }
    return route.continue();
  });
  const broken = info.outputPath('kapot.pdf');
  fs.writeFileSync(broken, '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF\n');
  await page.goto(`${origin}/`);
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await expect(page.getByTestId('empty-state')).toContainText('Zet pdf-facturen hier neer');
  await page.getByTestId('file-input').first().setInputFiles([
    path.join(CORPUS, 'invoice2data/oyo.pdf'),
    path.join(CORPUS, 'invoice2data/AmazonWebServices.pdf'),
    path.join(CORPUS, 'zugferd-visual/akretion_invoice_EN16931.pdf'),
    path.join(CORPUS, 'sroie/000.pdf'),
    path.join(CORPUS, 'sroie/108.pdf'),
    broken,
  ]);
  await page.getByTestId('batch-toggle').click();
  const rows = page.getByTestId('batch-row');
  await expect(rows).toHaveCount(6);
  const row = (name: string) => page.locator(`[data-testid="batch-row"][data-file="${name}"]`);
  for (const scan of ['000.pdf', '108.pdf']) {
    await expect(row(scan).getByTestId('batch-status')).toContainText('Gelezen met OCR', { timeout: 150_000 });
  }
  await expect(row('kapot.pdf').getByTestId('batch-status')).not.toBeEmpty();
  // Its number, and its total as Dutch writes amounts.
  await expect(row('akretion_invoice_EN16931.pdf')).toContainText('F20260023');
  await expect(row('akretion_invoice_EN16931.pdf')).toContainText('104,90');
  await page.screenshot({ path: info.outputPath('batch-nl.png') });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
  // The five readable files, the one with items once per item.
  const files = csv.slice(1).map((l) => l.split(',').pop()!.trim());
  expect([...new Set(files)].sort()).toEqual(['000.pdf', '108.pdf', 'AmazonWebServices.pdf', 'akretion_invoice_EN16931.pdf', 'oyo.pdf']);
  expect(files.filter((f) => f === 'akretion_invoice_EN16931.pdf')).toHaveLength(3);
  const line = (name: string) => csv.find((l) => l.includes(name)) ?? '';
  expect(line('000.pdf')).toContain('2018-12-25');
  expect(line('000.pdf')).toContain('9.00');
  expect(line('108.pdf')).toContain('2018-02-03');
  expect(line('108.pdf')).toContain('7.00');
  await expect(page.getByTestId('notice')).toContainText('De CSV laat 1 bestand weg: kapot.pdf (');

  // The items of the invoice that has them, as rows.
  await row('akretion_invoice_EN16931.pdf').locator('.file-cell').click();
  await expect(page.getByTestId('item-row')).toHaveCount(3);
  await expect(page.getByTestId('export-csv')).toHaveText('CSV exporteren');
  expect(outside).toEqual([]);

  // Switched to English, the same session in English.
  await page.getByTestId('language').selectOption('en');
  await expect(page.getByTestId('export-csv')).toHaveText('Export CSV');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('file-name')).toHaveCount(6);
});
