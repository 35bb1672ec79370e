// The things that make the app pleasant: keyboard shortcuts, undo and redo of region
// edits, light and dark themes that stick, and thumbnails in the file list.
import { test, expect } from '@playwright/test';
import { dragRegion, openFiles, referenceRegion, waitForPaint } from './helpers';

const FILE = 'invoice2data/oyo.pdf';

test('region edits undo and redo, by button and keyboard', async ({ page }) => {
  await openFiles(page, FILE);
  await waitForPaint(page);
  const items = page.getByTestId('region-item');
  const r = referenceRegion(FILE, 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  await expect(items).toHaveCount(1);
  const label = items.first().getByLabel('Region label');
  await label.fill('Booking ID');
  await label.press('Enter');
  await expect(label).toHaveValue('Booking ID');

  // Select it in the list (not in one of its fields), then Delete.
  await items.first().locator('.region-head .muted').click();
  await page.locator('body').press('Delete');
  await expect(items).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(items).toHaveCount(1);
  await expect(items.first().getByLabel('Region label')).toHaveValue('Booking ID');
  // Undo the label, then redo it with the toolbar buttons.
  await page.getByTestId('undo').click();
  await expect(items.first().getByLabel('Region label')).toHaveValue('Region 1');
  await page.getByTestId('redo').click();
  await expect(items.first().getByLabel('Region label')).toHaveValue('Booking ID');
  await page.keyboard.press('Control+Shift+Z');
  await expect(items).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(items).toHaveCount(0); // back before the region was drawn
  await expect(page.getByTestId('undo')).toBeDisabled();
});

test('zoom, help and escape from the keyboard', async ({ page }) => {
  await openFiles(page, FILE);
  await waitForPaint(page);
  const zoom = page.getByTestId('zoom');
  await expect(zoom).toHaveValue('fit');
  await page.locator('body').press('+');
  await expect(zoom).not.toHaveValue('fit');
  const zoomed = Number(await zoom.inputValue());
  await page.locator('body').press('+');
  await expect.poll(async () => Number(await zoom.inputValue())).toBeGreaterThan(zoomed);
  await page.locator('body').press('0');
  await expect(zoom).toHaveValue('fit');
  await page.locator('body').press('?');
  const help = page.getByTestId('shortcuts');
  await expect(help).toContainText('Undo the last region edit');
  await expect(help).toContainText('Zoom in / out');
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
  // Typing in a field is typing, not a shortcut.
  await page.locator('.fields [data-field="vendorName"] input').fill('a+b0?');
  await expect(zoom).toHaveValue('fit');
  await expect(help).toHaveCount(0);
});

test('the theme follows the system until chosen, and the choice survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await bg();
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await bg();
  expect(dark).not.toBe(light);
  const theme = page.getByTestId('theme');
  await expect(theme).toContainText('Auto');
  await theme.click(); // light
  await theme.click(); // dark
  await expect(theme).toContainText('Dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await bg()).toBe(dark); // dark although the system is light
  await page.reload();
  await expect(page.getByTestId('theme')).toContainText('Dark');
  expect(await bg()).toBe(dark);
});

test('open files show a thumbnail of their first page', async ({ page }) => {
  await openFiles(page, FILE, 'invoice2data/QualityHosting.pdf');
  const thumbs = page.getByTestId('thumbnail');
  await expect(thumbs).toHaveCount(2);
  // Painted at thumbnail size (a fresh canvas is 300 px wide)…
  await expect.poll(() => thumbs.first().evaluate((c: HTMLCanvasElement) => c.width)).toBeLessThan(100);
  // …and not blank: some pixels are darker than paper (text, the logo).
  const inked = await thumbs.first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600 && d[i + 3] > 0) n++;
    return n;
  });
  expect(inked).toBeGreaterThan(10);
});
