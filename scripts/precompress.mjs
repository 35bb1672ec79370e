// Trunk post-build hook: writes a brotli (.br) and a gzip (.gz) copy beside every file of
// the built app that compresses, so `zonal serve` sends them by content negotiation
// (tower-http's ServeDir, `precompressed_br` / `precompressed_gzip`) without compressing
// per request. Files already compressed (the OCR models, images) are left alone, and a
// copy is only kept when it is smaller than the file. Brotli at quality 11 is slow (half a
// minute for the OCR engine's files), so compressed copies are cached by content hash in
// $ZONAL_CACHE/precompress (default ~/.cache/zonal/precompress).
//
//   node scripts/precompress.mjs [DIR]   (default: $TRUNK_STAGING_DIR)
import { readdirSync, readFileSync, writeFileSync, statSync, mkdirSync, existsSync, renameSync, utimesSync, unlinkSync } from 'node:fs';
import { join, extname } from 'node:path';
import { homedir } from 'node:os';
import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('precompress: give a directory (or run it as a Trunk hook)');
const SKIP = new Set(['.gz', '.br', '.png', '.jpg', '.jpeg', '.webp', '.woff2', '.zip']);
const MIN_BYTES = 1024;
const CACHE = join(process.env.ZONAL_CACHE ?? join(homedir(), '.cache/zonal'), 'precompress');
mkdirSync(CACHE, { recursive: true });

/** `make(bytes)`, remembered under the bytes' hash and `kind`. */
function cached(bytes, kind, make) {
  const key = join(CACHE, `${createHash('sha256').update(bytes).digest('hex')}.${kind}`);
  if (existsSync(key)) {
    const now = new Date();
    utimesSync(key, now, now);
    return readFileSync(key);
  }
  const out = make(bytes);
  writeFileSync(`${key}.tmp`, out);
  renameSync(`${key}.tmp`, key);
  return out;
}

function* files(d) {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (!SKIP.has(extname(e.name)) && statSync(p).size >= MIN_BYTES) yield p;
  }
}

let raw = 0, br = 0, gz = 0;
for (const f of files(dir)) {
  const bytes = readFileSync(f);
  const b = cached(bytes, 'br', (x) => brotliCompressSync(x, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: x.length,
      [constants.BROTLI_PARAM_LGWIN]: 24,
    },
  }));
  const g = cached(bytes, 'gz', (x) => gzipSync(x, { level: 9 }));
  raw += bytes.length;
  if (b.length < bytes.length) { writeFileSync(`${f}.br`, b); br += b.length; } else br += bytes.length;
  if (g.length < bytes.length) { writeFileSync(`${f}.gz`, g); gz += g.length; } else gz += bytes.length;
}
// Copies of builds not seen for two weeks go.
for (const e of readdirSync(CACHE)) {
  const p = join(CACHE, e);
  if (Date.now() - statSync(p).mtimeMs > 14 * 86400e3) unlinkSync(p);
}
const mb = (n) => (n / 1e6).toFixed(2);
console.log(`precompress: ${mb(raw)} MB → br ${mb(br)} MB, gzip ${mb(gz)} MB`);
