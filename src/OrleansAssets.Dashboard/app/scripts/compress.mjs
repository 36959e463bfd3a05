// Writes a Brotli (.br) and a gzip (.gz) copy beside every text file of the build, so the server can send the
// compressed bytes it embedded instead of compressing on every request.
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const root = process.argv[2] ?? "dist";
const compressible = /\.(js|mjs|css|html|svg|json|txt|map)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let raw = 0, br = 0;
for (const path of [...files(root)]) {
  if (!compressible.test(path)) continue;
  const bytes = readFileSync(path);
  if (bytes.length < 1024) continue;
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(path + ".br", brotli);
  writeFileSync(path + ".gz", gzipSync(bytes, { level: 9 }));
  raw += bytes.length;
  br += brotli.length;
}
console.log(`compress: ${(raw / 1024).toFixed(0)} KiB of text, ${(br / 1024).toFixed(0)} KiB as Brotli`);
