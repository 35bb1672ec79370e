// dist/ served by any static server, with no relay anywhere: the region loop still works.
import { test, expect } from '@playwright/test';
import * as path from 'path';
import { CORPUS, dragRegion, lastRegionText, referenceRegion, waitForPaint } from './helpers';
import { staticPort } from '../playwright.config';

test('the app works from a plain static server, without the relay', async ({ page }) => {
  const apiCalls: string[] = [];
  // The only relay call allowed is the probe for its providers; no document leaves.
  page.on('request', (r) => {
    if (r.url().includes('/api/') && !(r.method() === 'GET' && r.url().endsWith('/api/config'))) apiCalls.push(`${r.method()} ${r.url()}`);
  });
  await page.goto(`http://127.0.0.1:${staticPort}/`);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await waitForPaint(page);
  const r = referenceRegion('invoice2data/oyo.pdf', 'p1-field-invoice_number');
  await dragRegion(page, 1, [r.box[0] - 2, r.box[1] - 1, r.box[2] + 2, r.box[3] + 1], r.pageWidth);
  expect(await lastRegionText(page)).toBe('IBZY2087');
  expect(apiCalls).toEqual([]);
});
