// The relay's Gemini key never reaches the browser: not in the built bundle (the app was
// built with the key in its environment by scripts/test.sh), not in any response the
// page receives while it uses the AI — while the stand-in Gemini did receive it.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { openFiles, waitForPaint } from './helpers';
import { geminiKey, geminiPort } from '../playwright.config';

const dist = path.resolve(__dirname, '..', process.env.ZONAL_DIST ?? '../dist');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

test('the bundle holds no secret', async () => {
  const all = files(dist);
  expect(all.some((f) => f.endsWith('.wasm'))).toBe(true);
  for (const f of all) {
    expect(fs.readFileSync(f).includes(Buffer.from(geminiKey)), f).toBe(false);
  }
});

test('no response the browser gets holds the key the relay uses', async ({ page }) => {
  // Every response, its body read when it arrives (collected once the page is done).
  const pending: Promise<{ url: string; body: Buffer } | null>[] = [];
  page.on('response', (r) => {
    pending.push(r.body().then((body) => ({ url: r.url(), body }), () => null)); // redirects have no body
  });
  const before = (await (await fetch(`http://127.0.0.1:${geminiPort}/seen`)).json()).seen;
  await openFiles(page, 'invoice2data/oyo.pdf');
  await waitForPaint(page);
  await page.getByTestId('structure-ai').click();
  await expect(page.getByTestId('ai-compare')).toBeVisible({ timeout: 30_000 });
  const after = (await (await fetch(`http://127.0.0.1:${geminiPort}/seen`)).json()).seen;
  const bodies = (await Promise.all(pending)).filter((b) => b !== null);
  expect(after).toBeGreaterThan(before); // the relay did use the key
  const urls = bodies.map((b) => b.url);
  expect(urls.some((u) => u.endsWith('/api/config'))).toBe(true);
  expect(urls.some((u) => u.endsWith('/api/structure'))).toBe(true);
  for (const { url, body } of bodies) {
    expect(body.includes(Buffer.from(geminiKey)), url).toBe(false);
  }
});
