#!/usr/bin/env node
// Builds the admin dashboard (served at /admin) into server/dist/dashboard/:
//   app.js          the TypeScript in dashboard/src, type-checked, then bundled and minified (esbuild)
//   index.html      copied from dashboard/public
//   dashboard.css   dashboard/public/dashboard.css and history.css, one after the other
//                   (the server serves one stylesheet; the sources stay one subject per file)
// At runtime the page uses the SDK from /sdk.js (window.SessionTracker); the dashboard
// imports only its types, so nothing from node_modules ends up in app.js.
// `--no-typecheck` skips the tsc pass (esbuild alone only strips types).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'dist', 'dashboard');
const tsconfig = join(here, 'tsconfig.json');

if (!process.argv.includes('--no-typecheck')) {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const check = spawnSync(process.execPath, [tsc, '-p', tsconfig], { stdio: 'inherit' });
  if (check.status !== 0) {
    console.error('dashboard: type errors (see above)');
    process.exit(1);
  }
}

await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  legalComments: 'none',
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  tsconfig,
});
const foreign = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith(relative(process.cwd(), join(here, 'src'))));
if (foreign.length > 0) throw new Error(`dashboard: app.js should hold only dashboard/src, found ${foreign.slice(0, 3).join(', ')}`);
await copyFile(join(here, 'public', 'index.html'), join(outdir, 'index.html'));
const css = await Promise.all(['dashboard.css', 'history.css'].map((file) => readFile(join(here, 'public', file), 'utf8')));
await writeFile(join(outdir, 'dashboard.css'), css.join('\n'));
for (const file of ['app.js', 'index.html', 'dashboard.css']) {
  const { size } = await stat(join(outdir, file));
  console.log(`${relative(process.cwd(), join(outdir, file))}  ${(size / 1024).toFixed(1)} KiB`);
}
