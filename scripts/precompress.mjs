// Writes name.br (brotli, best) and name.gz (gzip, best) beside every text file and wasm in a
// directory, for the server to send as they are. Usage: node scripts/precompress.mjs DIR
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = /\.(js|mjs|wasm|css|html|svg|webmanifest|json)$/;
let plain = 0, brotli = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) { walk(path); continue; }
    if (!COMPRESSIBLE.test(name)) continue;
    const bytes = readFileSync(path);
    const br = brotliCompressSync(bytes, { params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
    writeFileSync(`${path}.br`, br);
    writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
    plain += bytes.length;
    brotli += br.length;
  }
}
walk(process.argv[2]);
console.log(`compressed ${plain} bytes of text and wasm to ${brotli} with brotli`);
