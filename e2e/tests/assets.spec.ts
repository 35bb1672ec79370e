// The app ships without the rarely used standard fonts and the CJK CMaps (a smaller
// download); a PDF that needs one gets it fetched from assets/ and reads in full.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { Box, CORPUS, dragRegion, lastRegionText, openFiles, referenceRegion, waitForPaint } from './helpers';

const COURIER = 'icdar2013/us-033.pdf'; // Courier and Courier-Bold, not embedded
const JAPANESE = 'pdfjs/issue11555.pdf'; // 90ms-RKSJ-V → 90ms-RKSJ-H, Adobe-Japan1-UCS2

/** The table title of COURIER's page 1 (set in Courier): its box and words. */
function courierTitle() {
  const ref = JSON.parse(fs.readFileSync(path.join(CORPUS, `${COURIER}.words.json`), 'utf8')).pages[0];
  const [vx, vt] = ref.visible_bbox;
  const title: any[] = ref.words.filter((w: any[]) => w[2] < 100);
  const box: Box = [
    Math.min(...title.map((w) => w[1])) - 2 - vx, Math.min(...title.map((w) => w[2])) - 2 - vt,
    Math.max(...title.map((w) => w[3])) + 2 - vx, Math.max(...title.map((w) => w[4])) + 2 - vt,
  ];
  return { box, pageWidth: ref.width as number, text: title.map((w) => w[0]).join(' ') };
}

/** The paths under /assets/ the page fetches from now on (filled as requests finish). */
function assetFetches(page: Page): string[] {
  const fetched: string[] = [];
  page.on('requestfinished', (r) => { if (r.url().includes('/assets/')) fetched.push(new URL(r.url()).pathname); });
  return fetched;
}

/** Which pixels of page 1's canvas inside `box` (page points) are inked, as 0/1. */
async function inkIn(page: Page, box: Box, pageWidth: number): Promise<number[]> {
  return page.getByTestId('page-1').locator('canvas').evaluate((c: HTMLCanvasElement, { box, pageWidth }) => {
    const k = c.width / pageWidth;
    const [x, y] = [Math.floor(box[0] * k), Math.floor(box[1] * k)];
    const [w, h] = [Math.ceil((box[2] - box[0]) * k), Math.ceil((box[3] - box[1]) * k)];
    const d = c.getContext('2d')!.getImageData(x, y, w, h).data;
    const ink: number[] = [];
    for (let i = 0; i < d.length; i += 4) ink.push(d[i] + d[i + 1] + d[i + 2] < 600 ? 1 : 0);
    return ink;
  }, { box, pageWidth });
}

const differing = (a: number[], b: number[]) => a.filter((v, i) => v !== b[i]).length;

test('a page in a font the app does not ship fetches it and reads in full', async ({ page, browser, baseURL }) => {
  const fetched = assetFetches(page);
  await openFiles(page, COURIER);
  await waitForPaint(page);
  await expect.poll(() => fetched).toContain('/assets/fonts/FoxitFixed.pfb');
  // Helvetica and Times are in the app: never fetched.
  expect(fetched.filter((p) => /FoxitSans|FoxitSerif\.pfb|FoxitSerifBold\.pfb/.test(p))).toEqual([]);
  // The table's title is set in Courier: without the font it is painted in a stand-in
  // (Helvetica); once the font is here, in Courier. Compare with a tab that cannot fetch.
  const t = courierTitle();
  // (Its own context without a service worker, which would serve the cached font.)
  const offline = await (await browser.newContext({ baseURL, serviceWorkers: 'block' })).newPage();
  await offline.route('**/assets/**', (route) => route.abort());
  await openFiles(offline, COURIER);
  await waitForPaint(offline);
  const standIn = await inkIn(offline, t.box, t.pageWidth);
  await expect.poll(async () => differing(await inkIn(page, t.box, t.pageWidth), standIn)).toBeGreaterThan(300);
  await dragRegion(page, 1, t.box, t.pageWidth);
  expect(await lastRegionText(page)).toBe(t.text);
});

test('Japanese text in a predefined CMap reads once its CMaps arrive', async ({ page }) => {
  const fetched = assetFetches(page);
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
