// The app ships without the rarely used standard fonts and the CJK CMaps (a smaller
// download); a PDF that needs one gets it fetched from assets/ and reads in full.
import { test, expect } from '@playwright/test';
import { dragRegion, lastRegionText, norm, openFiles, referenceRegion, waitForPaint } from './helpers';

const COURIER = 'icdar2013/us-033.pdf'; // Courier and Courier-Bold, not embedded
const JAPANESE = 'pdfjs/issue11555.pdf'; // 90ms-RKSJ-V → 90ms-RKSJ-H, Adobe-Japan1-UCS2

test('a page in a font the app does not ship fetches it and reads in full', async ({ page }) => {
  const fetched: string[] = [];
  page.on('requestfinished', (r) => { if (r.url().includes('/assets/')) fetched.push(new URL(r.url()).pathname); });
  await openFiles(page, COURIER);
  await waitForPaint(page);
  await expect.poll(() => fetched).toContain('/assets/fonts/FoxitFixed.pfb');
  // Helvetica and Times are in the app: never fetched.
  expect(fetched.filter((p) => /FoxitSans|FoxitSerif\.pfb|FoxitSerifBold\.pfb/.test(p))).toEqual([]);
  const r = referenceRegion(COURIER, 'p1-block');
  await dragRegion(page, 1, r.box, r.pageWidth);
  expect([norm(r.expected), norm(r.within)]).toContain(await lastRegionText(page));
});

test('Japanese text in a predefined CMap reads once its CMaps arrive', async ({ page }) => {
  const fetched: string[] = [];
  page.on('requestfinished', (r) => { if (r.url().includes('/assets/')) fetched.push(new URL(r.url()).pathname); });
  await openFiles(page, JAPANESE);
  await waitForPaint(page);
  await expect.poll(() => fetched.sort()).toEqual([
    '/assets/cmaps/90ms-RKSJ-H', '/assets/cmaps/90ms-RKSJ-V', '/assets/cmaps/Adobe-Japan1-UCS2',
  ]);
  const r = referenceRegion(JAPANESE, 'p1-block');
  await dragRegion(page, 1, [1, 1, r.pageWidth - 1, 400], r.pageWidth);
  await expect.poll(() => lastRegionText(page)).toContain('あ');
});

test.describe('when assets/ cannot be reached', () => {
  // page.route does not see requests a service worker makes.
  test.use({ serviceWorkers: 'block' });
  test('the page still opens, and a notice says what is missing', async ({ page }) => {
    await page.route('**/assets/**', (route) => route.abort());
    await openFiles(page, COURIER);
    await waitForPaint(page);
    await expect(page.getByTestId('notice')).toContainText(/2 fonts that could not be loaded/);
    const r = referenceRegion(COURIER, 'p1-icdar-t1-c1.2');
    await dragRegion(page, 1, r.box, r.pageWidth);
    // The words in Helvetica are there; a glyph in Courier-Bold may not be.
    expect(await lastRegionText(page)).toContain('Hispanic white');
  });
});
