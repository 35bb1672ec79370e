// Reviewing a batch: every open file in one table with its doubtful values marked; from
// the keyboard alone, each value to check opens its file with the value outlined on the
// page and its field in focus; Enter corrects and moves on, "Mark reviewed" goes to the
// next file. The session — files, corrections, reviewed marks — survives a reload, until
// "Clear session".
import { test, expect } from '@playwright/test';
import * as path from 'path';
import { CORPUS } from './helpers';

test('a batch reviewed by keyboard, corrected, marked reviewed, and still there after a reload', async ({ page }, info) => {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(
    ['invoice2data/oyo.pdf', 'invoice2data/AmazonWebServices.pdf'].map((f) => path.join(CORPUS, f)));
  await expect(page.getByTestId('file-name')).toHaveText(['oyo.pdf', 'AmazonWebServices.pdf']);
  await page.getByTestId('batch-toggle').click();
  const rows = page.getByTestId('batch-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).getByTestId('batch-cell').filter({ hasText: 'IBZY2087' })).toBeVisible();
  // The values to check are the marked ones, and only they are in the Tab order.
  const doubtful = page.locator('[data-testid="batch-cell"][data-doubtful="true"]');
  // (Both invoices read: the engine reads them one after the other.)
  await expect.poll(() => doubtful.count()).toBeGreaterThanOrEqual(2);
  await expect(page.locator('[data-testid="batch-cell"][data-doubtful="false"]').first()).toHaveAttribute('tabindex', '-1');
  await page.screenshot({ path: info.outputPath('batch.png') });

  // oyo's first value to check: Enter opens it, outlined on the page, its field in focus.
  const first = doubtful.first();
  const field = await first.getAttribute('data-field');
  await first.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('batch')).toHaveCount(0);
  await expect(page.getByTestId('source-box')).toBeVisible();
  await expect(page.locator(`#f-${field}`)).toBeFocused();
  // Correct it by keyboard; Enter keeps it and moves on until "Mark reviewed".
  await page.keyboard.press('Control+A');
  await page.keyboard.type('OYO Rooms');
  await page.keyboard.press('Enter');
  const mark = page.getByTestId('mark-reviewed');
  for (let i = 0; i < 8 && !(await mark.evaluate((b) => b === document.activeElement)); i++) {
    await page.keyboard.press('Enter');
  }
  await expect(mark).toBeFocused();
  await page.keyboard.press('Enter');
  // On to the next file with values to check, its first one in focus.
  await expect(page.locator('.file.active [data-testid="file-name"]')).toHaveText('AmazonWebServices.pdf');
  await expect(page.locator('[data-testid="field"][data-doubtful="true"] input').first()).toBeFocused();

  // Reload: the files, the correction and the reviewed mark are still there.
  await page.waitForTimeout(800); // the session is saved once changes settle (500 ms)
  await page.reload();
  await expect(page.getByTestId('file-name')).toHaveText(['oyo.pdf', 'AmazonWebServices.pdf']);
  await page.getByTestId('file-name').filter({ hasText: 'oyo.pdf' }).click();
  await expect(page.locator(`#f-${field}`)).toHaveValue('OYO Rooms');
  await page.getByTestId('batch-toggle').click();
  await expect(rows.nth(0).getByTestId('batch-reviewed')).toBeChecked();
  await expect(rows.nth(1).getByTestId('batch-reviewed')).not.toBeChecked();

  // "Clear session" (confirmed) closes everything, for good.
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('clear-session').click();
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.waitForTimeout(800);
  await page.reload();
  await expect(page.getByTestId('empty-state')).toBeVisible();
});

test('two invoices with the same vendor and number are flagged as duplicates', async ({ page }, info) => {
  const fs = await import('fs');
  const dir = info.outputPath('copies');
  fs.mkdirSync(dir, { recursive: true });
  // The same invoice, saved again with one byte more: other bytes, same vendor and number.
  const bytes = fs.readFileSync(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  fs.writeFileSync(path.join(dir, 'oyo-again.pdf'), Buffer.concat([bytes, Buffer.from('\n')]));
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles([path.join(CORPUS, 'invoice2data/oyo.pdf'), path.join(dir, 'oyo-again.pdf')]);
  await expect(page.getByTestId('file-name')).toHaveCount(2);
  await page.getByTestId('batch-toggle').click();
  await expect(page.getByTestId('duplicate')).toHaveCount(2);
  await expect(page.getByTestId('batch-row').nth(1).getByTestId('duplicate')).toHaveText('duplicate of oyo.pdf');
});

test('sessions kept by earlier versions (PDFs inside the JSON, then PDFs as bytes) open after the update, and each PDF is then stored once, as a Blob', async ({ page }) => {
  const fs = await import('fs');
  const pdf = fs.readFileSync(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await page.goto('/manifest.webmanifest'); // the app's origin, the app not running
  await page.evaluate(({ b64, size }) => new Promise<void>((resolve, reject) => {
    const req = indexedDB.open('zonal', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('session');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction('session', 'readwrite');
      tx.objectStore('session').put(JSON.stringify({
        version: 1,
        files: [{ name: 'oyo.pdf', size, pages: 1, pdfBase64: b64, regions: [], corrected: [] }],
        templates: [],
      }), 'current');
      tx.oncomplete = () => { req.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), { b64: pdf.toString('base64'), size: pdf.length });

  await page.goto('/');
  await expect(page.getByTestId('file-name')).toHaveText(['oyo.pdf']);
  await expect(page.getByTestId('page-1').locator('canvas')).not.toHaveAttribute('width', '0');
  await expect(page.locator('#f-invoiceNumber')).toHaveValue('IBZY2087');

  // Once saved again: the JSON holds no PDF, the PDF is one Blob record of its bytes.
  await page.waitForTimeout(800);
  const stored = await page.evaluate(() => new Promise<{ json: string; pdfs: number[] }>((resolve) => {
    const req = indexedDB.open('zonal');
    req.onsuccess = () => {
      const tx = req.result.transaction(['session', 'pdfs']);
      const json = tx.objectStore('session').get('current');
      const pdfs = tx.objectStore('pdfs').getAll();
      tx.oncomplete = () => resolve({ json: json.result, pdfs: pdfs.result.map((p: unknown) => (p instanceof Blob ? p.size : -1)) });
    };
  }));
  expect(stored.json).not.toContain('pdfBase64');
  expect(stored.json).toContain('"name":"oyo.pdf"');
  expect(stored.pdfs).toEqual([pdf.length]);
  await page.reload();
  await expect(page.getByTestId('file-name')).toHaveText(['oyo.pdf']);
  await expect(page.locator('#f-invoiceNumber')).toHaveValue('IBZY2087');

  // The version before kept each PDF as a Uint8Array record: such a session opens too.
  await page.goto('/manifest.webmanifest');
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const req = indexedDB.open('zonal');
    req.onsuccess = async () => {
      const read = req.result.transaction('pdfs').objectStore('pdfs');
      const [keys, blobs] = await Promise.all([read.getAllKeys(), read.getAll()].map((r) => new Promise<any[]>((ok) => { r.onsuccess = () => ok(r.result); })));
      const bytes = await Promise.all(blobs.map(async (b: Blob) => new Uint8Array(await b.arrayBuffer())));
      const tx = req.result.transaction('pdfs', 'readwrite');
      keys.forEach((k, i) => tx.objectStore('pdfs').put(bytes[i], k));
      tx.oncomplete = () => { req.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.goto('/');
  await expect(page.getByTestId('file-name')).toHaveText(['oyo.pdf']);
  await expect(page.locator('#f-invoiceNumber')).toHaveValue('IBZY2087');
});
