// Tesseract compiled to WebAssembly (tesseract.js + tesseract.js-core, the English and
// Dutch models from @tesseract.js-data), in a Web Worker: how the app reads a scanned page
// without sending it anywhere. Everything is loaded from the app's own assets/ocr/
// (scripts/app-assets.sh copies it there; the service worker keeps it), and only when the
// first scanned page is read. Called from src/glue.rs; the page is prepared (rendered at
// 300 dpi, straightened, encoded as PNG) and the TSV parsed by wasm-core, as on the relay.

let engine = null;
let report = () => {};

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error('the OCR engine could not be loaded (' + src + ')'));
    document.head.appendChild(s);
  });
}

function start() {
  if (!engine) {
    const base = new URL('assets/ocr/', document.baseURI).href;
    engine = (async () => {
      if (typeof Tesseract === 'undefined') await loadScript(base + 'tesseract.min.js');
      return Tesseract.createWorker(['nld', 'eng'], 1 /* LSTM only */, {
        workerPath: base + 'worker.min.js',
        corePath: base + 'core/',
        langPath: base + 'lang',
        gzip: true,
        // The service worker keeps the models with the app's other assets.
        cacheMethod: 'none',
        workerBlobURL: false,
        logger: (m) => report(m.status, m.progress),
        errorHandler: () => {},
      });
    })();
    engine.catch(() => { engine = null; });
  }
  return engine;
}

/// Reads a PNG with page segmentation mode `psm`; Tesseract's TSV. `progress(status,
/// fraction)` hears how loading and recognising go.
export async function tesseractTsv(png, psm, progress) {
  // `png` is a view into the app's WebAssembly memory: copied before anything waits.
  const blob = new Blob([png.slice()], { type: 'image/png' });
  const worker = await start();
  report = progress;
  try {
    await worker.setParameters({ tessedit_pageseg_mode: String(psm) });
    const { data } = await worker.recognize(blob, {}, { tsv: true, text: false, blocks: false, hocr: false });
    return data.tsv || '';
  } finally {
    report = () => {};
  }
}
