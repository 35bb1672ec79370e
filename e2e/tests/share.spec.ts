// Sharing a session between two browsers that share nothing (two Playwright contexts):
// through the relay, encrypted, with the PDFs; and without a relay, in the link itself.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS, dragRegion, lastRegionText, openFiles, referenceRegion, waitForPaint } from './helpers';
import { staticPort } from '../playwright.config';

const FILE = 'invoice2data/oyo.pdf';

/** Opens oyo.pdf at `url`, maps a region to the invoice number, labels it, and corrects the vendor. */
async function prepare(page: Page, url = '/') {
  await page.goto(url);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, FILE));
  await waitForPaint(page);
  const r = referenceRegion(FILE, 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  expect(await lastRegionText(page)).toBe('IBZY2087');
  const item = page.getByTestId('region-item').last();
  await item.getByLabel('Region label').fill('Booking ID');
  await item.getByLabel('Region label').press('Enter');
  await item.getByTestId('region-field').selectOption('invoiceNumber');
  await page.getByTestId('extract').click();
  // The panel is busy while the engine reads the invoice; a value is corrected after.
  await expect(page.getByTestId('invoice-panel')).not.toHaveAttribute('aria-busy', 'true');
  const vendor = page.locator('.fields [data-field="vendorName"] input');
  await vendor.fill('OYO Rooms, shared');
  await vendor.blur();
  await expect(page.locator('.fields [data-field="vendorName"] .badge')).toHaveText('edited');
}

async function createLink(page: Page) {
  if (!(await page.getByTestId('share-dialog').isVisible())) await page.getByTestId('share-open').click();
  await page.getByTestId('share-create').click();
  const link = page.getByTestId('share-link');
  await expect(link).toHaveValue(/#(share|s)=/);
  return link.inputValue();
}

async function expectSession(page: Page) {
  await expect(page.locator('li.file:not(.pending)', { hasText: 'oyo.pdf' })).toBeVisible();
  await waitForPaint(page);
  const item = page.getByTestId('region-item');
  await expect(item).toHaveCount(1);
  await expect(item.getByLabel('Region label')).toHaveValue('Booking ID');
  await expect(item.getByTestId('region-text')).toContainText('IBZY2087');
  await expect(item.getByTestId('region-field')).toHaveValue('invoiceNumber');
  await expect(page.locator('.fields [data-field="invoiceNumber"] input')).toHaveValue('IBZY2087');
  await expect(page.locator('.fields [data-field="vendorName"] input')).toHaveValue('OYO Rooms, shared');
}

test('an encrypted share through the relay opens in another browser, and can be deleted', async ({ browser }, info) => {
  const alice = await browser.newContext();
  const a = await alice.newPage();
  await prepare(a);
  const url = await createLink(a);
  await a.screenshot({ path: info.outputPath('share-dialog.png') });
  const m = url.match(/#share=([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/);
  expect(m, url).not.toBeNull();

  // What the relay stored is ciphertext: no name, no text, no PDF.
  const stored = fs.readFileSync(path.join(__dirname, '..', 'data', 'blobs', 'shares', `${m![1]}.bin`));
  for (const plain of ['oyo', 'IBZY2087', 'Booking ID', 'OYO Rooms', '%PDF']) {
    expect(stored.includes(Buffer.from(plain)), plain).toBe(false);
  }

  // Bob, in a browser that has nothing of Alice's, opens the link.
  const bob = await browser.newContext({ acceptDownloads: true });
  const b = await bob.newPage();
  await b.goto(url);
  await expect(b.getByTestId('shared-banner')).toContainText('1 file, 1 region');
  await expectSession(b);
  expect(b.url()).not.toContain('#share='); // a reload does not open it twice

  // Bob keeps a copy, and the copy opens in a third browser.
  const [download] = await Promise.all([b.waitForEvent('download'), b.getByTestId('keep-copy').click()]);
  expect(download.suggestedFilename()).toBe('zonal-session.zonal');
  const copy = info.outputPath('copy.zonal');
  await download.saveAs(copy);
  const carol = await browser.newContext();
  const c = await carol.newPage();
  await c.goto('/');
  await c.getByTestId('file-input').first().setInputFiles(copy);
  await expectSession(c);

  // Alice deletes the share: the link stops working.
  await a.getByTestId('share-delete').click();
  await expect(a.getByTestId('share-message')).toContainText('deleted');
  const late = await bob.newPage();
  await late.goto(url);
  await expect(late.getByTestId('notice')).toContainText('does not exist any more');
  await Promise.all([alice.close(), bob.close(), carol.close()]);
});

test('without a relay the link carries the session; the receiver opens their own PDF', async ({ browser }) => {
  const base = `http://127.0.0.1:${staticPort}/`;
  const alice = await browser.newContext();
  const a = await alice.newPage();
  await prepare(a, base);
  await a.getByTestId('share-open').click();
  await expect(a.getByTestId('share-offline')).toContainText('No relay is reachable');
  const url = await createLink(a);
  expect(url.startsWith(`${base}#s=`)).toBe(true);

  const bob = await browser.newContext();
  const b = await bob.newPage();
  await b.goto(url);
  await expect(b.getByTestId('pending-file')).toContainText('oyo.pdf');
  await expect(b.getByTestId('pending-file')).toContainText('1 region');
  await b.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, FILE));
  await expectSession(b);
  await expect(b.getByTestId('pending-file')).toHaveCount(0);
  await Promise.all([alice.close(), bob.close()]);
});
