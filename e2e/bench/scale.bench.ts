// Scale: a generated 500-page PDF (scripts/bench/make_long_pdf.py). Opening it must show
// page 1 without freezing the page, and memory must stay bounded while scrolling to the
// end (only pages near the viewport are rendered; the others keep no bitmap; the engine
// worker keeps a bounded number of page texts). The main thread's longest task is what
// a `PerformanceObserver` of `longtask` entries saw (tasks over 50 ms; 0 when none), from
// the file given to the end of scrolling; the app's own start, before, is reported apart.
// Not a test: `scripts/bench.sh scale` (ZONAL_LONG_PDF names the file).
import { test, expect } from '@playwright/test';
import { dropToFirstPaint, engineWorker, markDrop, pickInPage } from './support';

const FILE = process.env.ZONAL_LONG_PDF ?? '/tmp/zonal-500.pdf';

test('500 pages: first page, longest main-thread stall, memory while scrolling', async ({ page }) => {
  // The app's wasm instance (for its linear memory's size), as Trunk's loader announces it.
  await page.addInitScript(() => addEventListener('TrunkApplicationStarted', (e: any) => { (window as any).zonalWasm = e.detail.wasm; }));
  await page.goto('/');
  await page.evaluate(() => {
    // Every long task since navigation, the app's start included: [start, duration].
    (window as any).longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) (window as any).longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    // The long animation frames too: which script entry points ran in them (a timer, a
    // worker's message, an event) and how long style, layout and paint took.
    (window as any).longFrames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) (window as any).longFrames.push(e);
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
  // Longest gap between animation frames = how long the page froze.
  await page.evaluate(() => {
    (window as any).maxGap = 0;
    let last = performance.now();
    const tick = (t: number) => { (window as any).maxGap = Math.max((window as any).maxGap, t - last); last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.evaluate(markDrop);
  await pickInPage(page, FILE);
  const first = await dropToFirstPaint(page, 120_000);
  const openGap = await page.evaluate(() => (window as any).maxGap);
  // The longest task before the file was given (the app starting) and after (the task
  // that handles the pick, which holds the mark, counts as after).
  const longest = (after: boolean) => page.evaluate((after) => {
    const drop = performance.getEntriesByName('bench:drop')[0]?.startTime ?? Infinity;
    return Math.max(0, ...(window as any).longTasks.filter(([t, d]: number[]) => (t + d > drop) === after).map(([, d]: number[]) => d));
  }, after);
  const openLongest = await longest(true);
  await expect(page.getByTestId('page-indicator')).toContainText('of 500');

  const heap = () => page.evaluate(() => (performance as any).memory?.usedJSHeapSize / 1e6);
  const wasmMb = () => page.evaluate(() => (window as any).zonalWasm?.memory?.buffer?.byteLength / 1e6);
  const engineMb = async () => (await engineWorker(page)?.evaluate(() => (self as any).zonalEngineMemory?.buffer?.byteLength / 1e6)) ?? NaN;
  const canvasPixels = () => page.evaluate(() => [...document.querySelectorAll('canvas.page-canvas')]
    .reduce((n, c) => n + (c as HTMLCanvasElement).width * (c as HTMLCanvasElement).height, 0) / 1e6);
  const samples: { page: number; heapMb: number; wasmMb: number; engineMb: number; canvasMpx: number }[] = [];
  const scroller = page.getByTestId('pages');
  for (let step = 0; step <= 20; step++) {
    await scroller.evaluate((el, f) => { performance.mark(`bench:step ${f * 20}`); el.scrollTo(0, el.scrollHeight * f); }, step / 20);
    await page.waitForTimeout(300);
    samples.push({ page: Number((await page.getByTestId('page-indicator').textContent())?.match(/Page (\d+)/)?.[1]), heapMb: +(await heap()).toFixed(1), wasmMb: +(await wasmMb()).toFixed(1), engineMb: +(await engineMb()).toFixed(1), canvasMpx: +(await canvasPixels()).toFixed(1) });
  }
  // The invoice pipeline over all 500 pages runs after the first paint: wait for it.
  // (Waited for without `expect`: its retries snapshot the page's accessibility tree on
  // the main thread, a long task of the benchmark's own.)
  await page.waitForFunction(() => document.querySelector('.fields'), undefined, { timeout: 120_000, polling: 250 });
  samples.push({ page: 500, heapMb: +(await heap()).toFixed(1), wasmMb: +(await wasmMb()).toFixed(1), engineMb: +(await engineMb()).toFixed(1), canvasMpx: +(await canvasPixels()).toFixed(1) });
  const maxGap = await page.evaluate(() => (window as any).maxGap);
  const overallLongest = await longest(true);
  const startLongest = await longest(false);
  console.log(JSON.stringify(samples));
  // Each long task after the file was given, with what the app's timeline shows during it
  // (its `zonal:*` measures and marks, the benchmark's scroll steps): where to look.
  console.log(`LONG_TASKS ${JSON.stringify(await page.evaluate(() => {
    const drop = performance.getEntriesByName('bench:drop')[0]?.startTime ?? 0;
    const marks = performance.getEntries().filter((e) => e.entryType === 'mark' || e.entryType === 'measure');
    return (window as any).longTasks.filter(([t, d]: number[]) => t + d > drop).map(([t, d]: number[]) => {
      const frames = (window as any).longFrames.filter((f: any) => f.startTime < t + d && f.startTime + f.duration > t);
      return {
        at_ms: Math.round(t - drop),
        ms: Math.round(d),
        after_step: marks.filter((m) => m.name.startsWith('bench:step') && m.startTime <= t).pop()?.name ?? null,
        during: [...new Set(marks.filter((m) => !m.name.startsWith('bench:') && m.startTime < t + d && m.startTime + m.duration > t).map((m) => m.name))],
        scripts: frames.flatMap((f: any) => f.scripts.filter((x: any) => x.startTime < t + d && x.startTime + x.duration > t)
          .map((x: any) => `${x.invoker} ${Math.round(x.duration)} ms`)),
        render_ms: Math.max(0, ...frames.map((f: any) => (f.renderStart > 0 ? Math.round(f.startTime + f.duration - f.renderStart) : 0))),
      };
    });
  }))}`);
  // What ran in the app's start: each long frame before the file was given, its scripts.
  console.log(`START_FRAMES ${JSON.stringify(await page.evaluate(() => {
    const drop = performance.getEntriesByName('bench:drop')[0]?.startTime ?? Infinity;
    return (window as any).longFrames.filter((f: any) => f.startTime + f.duration <= drop).map((f: any) => ({
      at_ms: Math.round(f.startTime),
      ms: Math.round(f.duration),
      scripts: f.scripts.map((x: any) => `${x.invoker} ${Math.round(x.duration)} ms`),
      render_ms: f.renderStart > 0 ? Math.round(f.startTime + f.duration - f.renderStart) : 0,
    }));
  }))}`);
  console.log(`RESULT ${JSON.stringify({
    first_page_ms: +(first as number).toFixed(0),
    longest_frame_gap_while_opening_ms: +openGap.toFixed(0),
    longest_frame_gap_overall_ms: +maxGap.toFixed(0),
    longest_main_thread_task_while_opening_ms: +openLongest.toFixed(0),
    longest_main_thread_task_overall_ms: +overallLongest.toFixed(0),
    longest_main_thread_task_app_start_ms: +startLongest.toFixed(0),
    heap_mb_first: samples[0].heapMb,
    heap_mb_max: Math.max(...samples.map((s) => s.heapMb)),
    wasm_memory_mb_first: samples[0].wasmMb,
    wasm_memory_mb_max: Math.max(...samples.map((s) => s.wasmMb)),
    engine_memory_mb_max: Math.max(...samples.map((s) => s.engineMb)),
    canvas_mpx_max: Math.max(...samples.map((s) => s.canvasMpx)),
  })}`);
});
