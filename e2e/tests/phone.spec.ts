// At phone size (390×844, touch) the app is one column — the page, then the fields —
// nothing is cut off, and a region is drawn with a finger.
import { test, expect } from '@playwright/test';
import * as path from 'path';
import { CORPUS, waitForPaint } from './helpers';

const OUT = process.env.ZONAL_SCREENSHOTS
  ? path.resolve(process.env.ZONAL_SCREENSHOTS)
  : path.resolve(__dirname, '../test-results/screenshots');

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });

test('one column at phone size, nothing cut off, a region drawn with a finger', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await waitForPaint(page);
  // Nothing wider than the screen; the header's buttons all on it.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  for (const id of ['export-csv', 'file-input', 'batch-toggle']) {
    const el = id === 'file-input' ? page.locator('label.button.primary') : page.getByTestId(id);
    const b = (await el.first().boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(390);
  }
  // The page uses the width; the invoice comes below it, not beside it.
  const pageBox = (await page.getByTestId('page-1').boundingBox())!;
  expect(pageBox.width).toBeGreaterThan(300);
  const invoice = (await page.getByTestId('invoice-panel').boundingBox())!;
  expect(invoice.y).toBeGreaterThan(pageBox.y);
  expect(invoice.width).toBeGreaterThan(340);

  // A finger drags a rectangle over the booking id (touch → pointer events).
  const cdp = await page.context().newCDPSession(page);
  const k = pageBox.width / 595.3;
  const at = (x: number, y: number) => [{ x: pageBox.x + x * k, y: pageBox.y + y * k }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(25, 95) });
  for (let i = 1; i <= 5; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(25 + i * 40, 95 + i * 5) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await expect(page.getByTestId('region-item')).toHaveCount(1);
  await expect(page.getByTestId('region-text')).not.toHaveText('');
  await page.screenshot({ path: path.join(OUT, 'phone.png') });
});
