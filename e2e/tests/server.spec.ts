// Server processing from the app: the ticked PDFs go through POST /api/jobs, each file
// shows its job's live progress from the events stream, a failed job is retried (the
// relay lost the PDF with the failure, so the browser sends it again), the results join
// the batch, and the session is deleted from the server. The relay here reads scans with
// a stand-in Vision whose first answer is a 503, and gives a job one attempt.
import { test, expect } from '@playwright/test';
import * as path from 'path';
import { CORPUS } from './helpers';
import { staticPort, visionRelayPort } from '../playwright.config';

test('two PDFs processed on the server: progress, a failure retried, results, session deleted', async ({ page }, info) => {
  const origin = `http://127.0.0.1:${visionRelayPort}`;
  await page.goto(`${origin}/`);
  await page.getByTestId('file-input').first().setInputFiles(
    ['invoice2data/oyo.pdf', 'sroie/000.pdf'].map((f) => path.join(CORPUS, f)));
  await expect(page.getByTestId('file-name')).toHaveCount(2);
  await page.getByTestId('batch-toggle').click();
  const row = (name: string) => page.locator(`[data-testid="batch-row"][data-file="${name}"]`);
  await expect(row('000.pdf').getByTestId('batch-status')).toContainText('Read by OCR', { timeout: 120_000 });
  await row('oyo.pdf').getByTestId('batch-tick').check();
  await row('000.pdf').getByTestId('batch-tick').check();
  await page.getByTestId('process-server').click();

  // The text invoice is done; the scan's job fails (Vision answered 503).
  const job = (name: string) => row(name).getByTestId('server-job');
  await expect(job('oyo.pdf')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(job('000.pdf')).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(job('000.pdf')).toContainText('unavailable');
  for (const name of ['oyo.pdf', '000.pdf']) {
    // At least the event that told the job's end (a fast job may end before the stream opens).
    expect(Number(await job(name).getAttribute('data-events'))).toBeGreaterThanOrEqual(1);
  }
  await page.screenshot({ path: info.outputPath('server-failed.png') });

  // Retry: the relay asks for the PDF again (409), the browser sends it, Vision reads it.
  await job('000.pdf').getByTestId('job-retry').click();
  await expect(job('000.pdf')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  const seen = await (await page.request.get(`http://127.0.0.1:${visionRelayPort - 1}/seen`)).json();
  expect(seen.seen).toBe(2);
  // The server's reading joins the batch: the stand-in Vision's total, not the receipt's.
  await expect(row('000.pdf').locator('[data-testid="batch-cell"][data-field="total"]')).toHaveText(/12\.34/);

  // Delete from the server: the relay has no jobs left for this session.
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('server-delete').click();
  await expect(page.getByTestId('notice')).toContainText('Deleted from the server');
  const sid = await page.evaluate(() => localStorage.getItem('zonal.relay-session'));
  const list = await page.request.get(`${origin}/api/sessions/${sid}/jobs`, { headers: { 'X-Session-Id': sid! } });
  expect(list.status()).toBe(200);
  expect((await list.json()).jobs).toEqual([]);
});

test('without a relay, processing on the server says why it is unavailable', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${staticPort}/`);
  await page.getByTestId('file-input').first().setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await page.getByTestId('batch-toggle').click();
  await page.getByTestId('batch-tick').first().check();
  await expect(page.getByTestId('process-server')).toBeDisabled();
  await expect(page.getByTestId('server-unavailable')).toContainText('needs the relay');
});
