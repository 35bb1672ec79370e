// The size report: raw, `gzip -9` and brotli (quality 11, what `zonal serve` sends) bytes
// of each group of files, and each group's ratio to the first one's gzipped size.
//
//   node scripts/bench/sizes.mjs 'LABEL=FILE,FILE…' …
import { readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const rows = process.argv.slice(2).map((arg) => {
  const [label, list] = arg.split(/=(.*)/s);
  const files = list.split(',').filter(Boolean);
  if (!files.length) throw new Error(`${label}: no files`);
  let raw = 0, gz = 0, br = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
    br += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;
  }
  return { label, raw, gz, br };
});
const mb = (n) => (n / 1e6).toFixed(2);
console.log('| | raw MB | gzip -9 MB | brotli MB | gzipped, ratio to the first row |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.label} | ${mb(r.raw)} | ${mb(r.gz)} | ${mb(r.br)} | ${(r.gz / rows[0].gz).toFixed(2)} |`);
