// Nothing mixed up or lost silently: the same file opened twice is one file, two files
// with one name are told apart (in the list and the CSV), and the export says which files
// it left out and why.
import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from './helpers';

test('same bytes are selected, same names numbered, and the export names what it left out', async ({ page }, info) => {
  const input = page.getByTestId('file-input').first();
  const names = page.getByTestId('file-name');
  await page.goto('/');
  await input.setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await expect(names).toHaveText(['oyo.pdf']);
  await input.setInputFiles(path.join(CORPUS, 'invoice2data/oyo.pdf'));
  await expect(page.getByTestId('notice')).toContainText('oyo.pdf is already open');
  await expect(names).toHaveCount(1);
  // Another invoice that happens to have the same name.
  const dir = info.outputPath('other');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(CORPUS, 'invoice2data/AmazonWebServices.pdf'), path.join(dir, 'oyo.pdf'));
  fs.writeFileSync(path.join(dir, 'broken.pdf'), '%PDF-1.7\nthis is not a PDF at all');
  await input.setInputFiles([path.join(dir, 'oyo.pdf'), path.join(dir, 'broken.pdf')]);
  await expect(names).toHaveText(['oyo.pdf', 'oyo (2).pdf', 'broken.pdf']);
  await expect(page.getByTestId('file-error')).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv).toContain('oyo (2).pdf');
  expect(csv.trim().split('\n')).toHaveLength(3); // header and the two invoices
  await expect(page.getByTestId('notice')).toContainText('The CSV leaves out 1 file: broken.pdf (');
});
