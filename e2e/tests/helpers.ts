import { expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

export const CORPUS = process.env.ZONAL_CORPUS ?? path.resolve(__dirname, '../../../shared/corpus/dev');

export type Box = [number, number, number, number];

/** A region from the corpus references, in visible-page points (what a person sees). */
export function referenceRegion(file: string, id: string, pageNumber = 1) {
  const words = JSON.parse(fs.readFileSync(path.join(CORPUS, `${file}.words.json`), 'utf8'));
  const regions = JSON.parse(fs.readFileSync(path.join(CORPUS, `${file}.regions.json`), 'utf8'));
  const page = words.pages.find((p: any) => p.page_number === pageNumber);
  const [vx, vt] = page.visible_bbox;
  const region = regions.pages.find((p: any) => p.page_number === pageNumber).regions.find((r: any) => r.id === id);
  const [x0, top, x1, bottom] = region.bbox;
  return {
    box: [x0 - vx, top - vt, x1 - vx, bottom - vt] as Box,
    expected: region.expected_text as string,
    within: region.expected_text_within as string,
    pageWidth: page.width as number,
  };
}

export const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Opens corpus files through the file picker and waits for page 1 to be painted. */
export async function openFiles(page: Page, ...files: string[]) {
  await page.goto('/');
  await page.getByTestId('file-input').first().setInputFiles(files.map((f) => path.join(CORPUS, f)));
}

export async function waitForPaint(page: Page, pageNumber = 1) {
  const canvas = page.getByTestId(`page-${pageNumber}`).locator('canvas');
  await expect.poll(async () => canvas.evaluate((c: HTMLCanvasElement) => c.width), { timeout: 30_000 }).toBeGreaterThan(10);
}

/**
 * Drags a rectangle over `box` (page points) on page `pageNumber`, like a person with a
 * mouse: the box is scrolled into view, converted with the page's on-screen size, and
 * dragged from corner to corner.
 */
export async function dragRegion(page: Page, pageNumber: number, box: Box, pageWidthPt: number) {
  const pageEl = page.getByTestId(`page-${pageNumber}`);
  // Scroll so the target sits in the middle of the viewer.
  await page.getByTestId('pages').evaluate((scroller, args) => {
    const { sel, box, w } = args;
    const el = scroller.querySelector(sel) as HTMLElement;
    const k = el.getBoundingClientRect().width / w;
    const s = scroller.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    const cx = r.left + ((box[0] + box[2]) / 2) * k;
    const cy = r.top + ((box[1] + box[3]) / 2) * k;
    scroller.scrollBy(cx - (s.left + s.width / 2), cy - (s.top + s.height / 2));
  }, { sel: `[data-testid="page-${pageNumber}"]`, box, w: pageWidthPt });
  const r = await pageEl.boundingBox();
  if (!r) throw new Error('page not visible');
  const k = r.width / pageWidthPt;
  await page.mouse.move(r.x + box[0] * k, r.y + box[1] * k);
  await page.mouse.down();
  await page.mouse.move(r.x + ((box[0] + box[2]) / 2) * k, r.y + ((box[1] + box[3]) / 2) * k, { steps: 4 });
  await page.mouse.move(r.x + box[2] * k, r.y + box[3] * k, { steps: 4 });
  await page.mouse.up();
}

export async function lastRegionText(page: Page) {
  const items = page.getByTestId('region-item');
  await expect(items.last()).toBeVisible();
  // The engine (a Web Worker) reads it: wait for its answer.
  await expect(items.last().getByTestId('region-text')).not.toHaveAttribute('aria-busy', 'true');
  return norm((await items.last().getByTestId('region-text').textContent()) ?? '');
}
