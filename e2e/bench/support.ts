// What the browser benchmarks share: the corpus files they run over, and the time from
// a file drop to the app's first page painted.
import { Page, Worker } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS } from '../tests/helpers';

const DIRS = ['invoice2data', 'zugferd', 'icdar2013', 'tabula', 'pdfplumber', 'pdfjs', 'hayro'];

/** Every PDF of the corpus dev set, by directory. */
export function corpusPdfs(): string[] {
  return DIRS.flatMap((d) =>
    fs.readdirSync(path.join(CORPUS, d)).filter((f) => f.endsWith('.pdf')).map((f) => path.join(CORPUS, d, f)));
}

/**
 * Milliseconds from the `bench:drop` mark (set by the page's first `change` event, see
 * `markDrop`) to the end of the app's first `zonal:render …:1` measure (page 1 painted).
 */
export async function dropToFirstPaint(page: Page, timeout: number): Promise<number> {
  return page.waitForFunction(() => {
    const drop = performance.getEntriesByName('bench:drop')[0];
    const r = performance.getEntriesByType('measure').find((e) => e.name.startsWith('zonal:render') && e.name.endsWith(':1'));
    return drop && r ? r.startTime + r.duration - drop.startTime : null;
  }, undefined, { timeout }).then((h) => h.jsonValue() as Promise<number>);
}

/** In the page: marks `bench:drop` when the app's file input first changes. */
export const markDrop = () => {
  const mark = (e: Event) => {
    if ((e.target as HTMLElement | null)?.dataset?.testid !== 'file-input') return;
    performance.mark('bench:drop');
    window.removeEventListener('change', mark, { capture: true });
  };
  window.addEventListener('change', mark, { capture: true });
};

/**
 * Gives the app's file input the file at `path` the way a person's pick arrives: its
 * `change` event in a task of the page's own (a timer), not inside a DevTools command as
 * `setInputFiles` dispatches it — the `longtask` observer does not see those, so the
 * app's handling of the pick would go unmeasured. (The file goes through a hidden input
 * of the benchmark's first.)
 */
export async function pickInPage(page: Page, path: string): Promise<void> {
  const helper = await page.evaluateHandle(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-picker';
    input.hidden = true;
    document.body.append(input);
    return input;
  });
  await helper.asElement()!.setInputFiles(path);
  await page.evaluate(() => {
    const from = document.getElementById('bench-picker') as HTMLInputElement;
    const input = document.querySelector('[data-testid=file-input]') as HTMLInputElement;
    input.files = from.files;
    from.remove();
    setTimeout(() => input.dispatchEvent(new Event('change', { bubbles: true })), 0);
  });
}

/** The app's engine worker (wasm-core in a Web Worker), once it has started (the
 * latest, if it was restarted). */
export function engineWorker(page: Page): Worker | undefined {
  return page.workers().filter((w) => w.url().endsWith('/engine_loader.js')).at(-1);
}
