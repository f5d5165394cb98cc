// Builds the call page's script into token_service/static/, where the token service serves it beside the page's
// index.html and camille.css, which are written there directly (they need no build).
//
//   npm ci --ignore-scripts && npm run build    regenerates the committed files byte for byte
//   npm run check                               exits 1 when the committed files differ from a fresh build
//
// The bundle's first line records the livekit-client and esbuild versions and a digest of every input (this script,
// package.json, package-lock.json, src/); tests/unit/test_web_bundle.py recomputes the digest without npm.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'token_service', 'static');

function inputs() {
  const src = readdirSync(join(here, 'src')).map((name) => `src/${name}`);
  return ['build.mjs', 'package.json', 'package-lock.json', ...src].sort();
}

/** sha256 over each input as "<path>\n<byte length>\n<bytes>", in path order. */
function digest() {
  const hash = createHash('sha256');
  for (const path of inputs()) {
    const bytes = readFileSync(join(here, path));
    hash.update(`${path}\n${bytes.length}\n`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

async function build() {
  const livekit = JSON.parse(readFileSync(join(here, 'node_modules', 'livekit-client', 'package.json'), 'utf8'));
  const banner = `/*! camille-web livekit-client=${livekit.version} esbuild=${esbuild.version} inputs-sha256=${digest()} */`;
  const result = await esbuild.build({
    entryPoints: [join(here, 'src', 'main.js')],
    bundle: true,
    format: 'iife',
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    banner: { js: banner },
    write: false,
    outfile: join(out, 'camille.js'),
    absWorkingDir: here,
    logLevel: 'warning',
  });
  const files = new Map(result.outputFiles.map((file) => [file.path, Buffer.from(file.contents)]));
  files.set(join(out, 'THIRD-PARTY-NOTICES.txt'), notices());
  return files;
}

/** The licence of every runtime npm package (livekit-client's dist inlines its own dependencies): Apache-2.0 and MIT
 * ask for their notices to travel with the code. */
function notices() {
  const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
  const shipped = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
    .map(([path]) => path.slice('node_modules/'.length))
    .sort();
  const parts = ['Third-party software bundled in camille.js', ''];
  for (const name of shipped) {
    const root = join(here, 'node_modules', name);
    const meta = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const licence = readdirSync(root).find((file) => /^(licen[cs]e|copying)/i.test(file));
    parts.push('='.repeat(78), `${name} ${meta.version} (${meta.license})`, '='.repeat(78));
    parts.push(licence ? readFileSync(join(root, licence), 'utf8').trim() : `License: ${meta.license}`, '');
  }
  return Buffer.from(parts.join('\n') + '\n');
}

const files = await build();
if (process.argv.includes('--check')) {
  const stale = [...files].filter(([path, bytes]) => {
    try {
      return !readFileSync(path).equals(bytes);
    } catch {
      return true;
    }
  });
  for (const [path] of stale) console.error(`stale: ${relative(process.cwd(), path)} (run npm run build)`);
  process.exit(stale.length ? 1 : 0);
}
mkdirSync(out, { recursive: true });
for (const [path, bytes] of files) {
  writeFileSync(path, bytes);
  console.log(`wrote ${relative(process.cwd(), path)} (${bytes.length} bytes)`);
}
