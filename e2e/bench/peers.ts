// The browser PDF engines Zonal is measured against, each from its npm package, served
// from node_modules at the app's origin and driven the way its documentation shows:
//
// - pdf.js (`pdfjs-dist`): `getDocument` + `page.render` into a canvas (parsing in its
//   own worker, painting on the main thread);
// - MuPDF.js (`mupdf`): `Document.openDocument` + `page.toPixmap`, the RGBA pixels put
//   into the canvas;
// - PDFium (`@embedpdf/pdfium`): `FPDF_LoadMemDocument` + `FPDF_RenderPageBitmap` into a
//   white RGBA bitmap, put into the canvas.
//
// In the page each is `window.peers[name]` with `open(bytes)`, `width(doc)` (page 1 in
// points), `draw(doc, scale, canvas)` and `close(doc)`.
import { Page } from '@playwright/test';
import * as path from 'path';

const MODULES = path.resolve(__dirname, '../node_modules');
/** URL prefix → the package directory it is served from. */
const SERVED: Record<string, string> = {
  pdfjs: path.join(MODULES, 'pdfjs-dist/build'),
  mupdf: path.join(MODULES, 'mupdf/dist'),
  pdfium: path.join(MODULES, '@embedpdf/pdfium/dist'),
};
export const PEERS = ['pdfjs', 'mupdf', 'pdfium'] as const;
export type Peer = (typeof PEERS)[number];

/** What each peer downloads before it can show a page (for the size report). */
export const PEER_FILES: Record<Peer, string[]> = {
  pdfjs: ['pdfjs-dist/build/pdf.min.mjs', 'pdfjs-dist/build/pdf.worker.min.mjs'],
  mupdf: ['mupdf/dist/mupdf.js', 'mupdf/dist/mupdf-wasm.js', 'mupdf/dist/mupdf-wasm.wasm'],
  pdfium: ['@embedpdf/pdfium/dist/index.browser.js', '@embedpdf/pdfium/dist/pdfium.wasm'],
};

const SCRIPT = `
import * as pdfjs from '/__peers/pdfjs/pdf.min.mjs';
import * as mupdf from '/__peers/mupdf/mupdf.js';
import { init } from '/__peers/pdfium/index.browser.js';
pdfjs.GlobalWorkerOptions.workerSrc = '/__peers/pdfjs/pdf.worker.min.mjs';
const pdfium = await init({ wasmBinary: await (await fetch('/__peers/pdfium/pdfium.wasm')).arrayBuffer() });
pdfium.PDFiumExt_Init();
const heap = () => pdfium.pdfium.HEAPU8;
const put = (canvas, rgba, w, h) => {
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d').putImageData(new ImageData(rgba, w, h), 0, 0);
};
window.peers = {
  pdfjs: {
    async open(bytes) {
      const doc = await pdfjs.getDocument({ data: bytes }).promise;
      return { doc, page: await doc.getPage(1) };
    },
    width: (d) => d.page.getViewport({ scale: 1 }).width,
    async draw(d, scale, canvas) {
      const viewport = d.page.getViewport({ scale });
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      await d.page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
    },
    close: (d) => d.doc.destroy(),
  },
  mupdf: {
    async open(bytes) {
      const doc = mupdf.Document.openDocument(bytes, 'application/pdf');
      return { doc, page: doc.loadPage(0) };
    },
    width: (d) => { const b = d.page.getBounds(); return b[2] - b[0]; },
    async draw(d, scale, canvas) {
      const pix = d.page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, true, true);
      put(canvas, new Uint8ClampedArray(pix.getPixels()), pix.getWidth(), pix.getHeight());
      pix.destroy();
    },
    close: (d) => { d.page.destroy(); d.doc.destroy(); },
  },
  pdfium: {
    async open(bytes) {
      const ptr = pdfium.pdfium._malloc(bytes.length);
      heap().set(bytes, ptr);
      const doc = pdfium.FPDF_LoadMemDocument(ptr, bytes.length, '');
      if (!doc) { pdfium.pdfium._free(ptr); throw new Error('PDFium error ' + pdfium.FPDF_GetLastError()); }
      const page = pdfium.FPDF_LoadPage(doc, 0);
      if (!page) { pdfium.FPDF_CloseDocument(doc); pdfium.pdfium._free(ptr); throw new Error('no page 1'); }
      return { ptr, doc, page };
    },
    width: (d) => pdfium.FPDF_GetPageWidthF(d.page),
    async draw(d, scale, canvas) {
      const w = Math.ceil(pdfium.FPDF_GetPageWidthF(d.page) * scale);
      const h = Math.ceil(pdfium.FPDF_GetPageHeightF(d.page) * scale);
      const bitmap = pdfium.FPDFBitmap_Create(w, h, 1);
      pdfium.FPDFBitmap_FillRect(bitmap, 0, 0, w, h, 0xffffffff);
      // FPDF_ANNOT | FPDF_REVERSE_BYTE_ORDER: annotations drawn, bytes in RGBA order.
      pdfium.FPDF_RenderPageBitmap(bitmap, d.page, 0, 0, w, h, 0, 0x01 | 0x10);
      const at = pdfium.FPDFBitmap_GetBuffer(bitmap);
      put(canvas, new Uint8ClampedArray(heap().slice(at, at + w * h * 4).buffer), w, h);
      pdfium.FPDFBitmap_Destroy(bitmap);
    },
    close: (d) => { pdfium.FPDF_ClosePage(d.page); pdfium.FPDF_CloseDocument(d.doc); pdfium.pdfium._free(d.ptr); },
  },
};
window.ready = true;
`;

/** Routes the peers' files and `/__peers.html` (a file input, a canvas, the peers loaded). */
export async function routePeers(page: Page) {
  await page.route('**/__peers/**', (route) => {
    const [, prefix, file] = new URL(route.request().url()).pathname.match(/^\/__peers\/([^/]+)\/(.+)$/) ?? [];
    const dir = SERVED[prefix];
    if (!dir || file.includes('..')) return route.fulfill({ status: 404 });
    const contentType = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    return route.fulfill({ path: path.join(dir, file), contentType });
  });
  await page.route('**/__peers.html', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><input type="file" id="f"><canvas id="c"></canvas><script type="module">${SCRIPT}</script>`,
  }));
}

/** Opens `/__peers.html` in `page` (routed by `routePeers`) and waits for every peer. */
export async function openPeers(page: Page) {
  await page.goto('/__peers.html');
  await page.waitForFunction(() => (window as any).ready === true, undefined, { timeout: 60_000 });
}
