#!/usr/bin/env node
// Browser bundles of the SDK, with esbuild's JS API:
//   dist/session-tracker.min.js  minified IIFE exposing `window.SessionTracker` (served at /sdk.js)
//   dist/session-tracker.esm.js  minified ES module for `import { createClient } from '.../session-tracker.esm.js'`
// Both come with an external source map (no sourceMappingURL comment, so /sdk.js never points at a missing file).
import { build } from 'esbuild';
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'index.ts');
const outdir = join(root, 'dist');

// The SDK uses only the zod-free part of the shared package at runtime (codes, limits, and
// checks: the contract's own checks of what the server sends); its types are erased. Point the bundles at those modules so zod (and its ~260 KiB of
// locales) stays out; a zod-bearing import would fail the build here, loudly.
const sharedDist = dirname(createRequire(join(root, 'package.json')).resolve('@session-tracker/shared'));
const sharedRuntime = {
  name: 'shared-runtime-only',
  setup(b) {
    b.onResolve({ filter: /^@session-tracker\/shared$/ }, () => ({ path: 'shared-runtime', namespace: 'shared-runtime' }));
    b.onLoad({ filter: /.*/, namespace: 'shared-runtime' }, () => ({
      contents: ['codes.js', 'limits.js', 'checks.js'].map((f) => `export * from ${JSON.stringify(join(sharedDist, f))};`).join('\n'),
      loader: 'js',
      resolveDir: sharedDist,
    }));
  },
};

const common = {
  plugins: [sharedRuntime],
  metafile: true,
  entryPoints: [entry],
  bundle: true,
  minify: true,
  platform: 'browser',
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  sourcemap: 'external',
  legalComments: 'none',
  logLevel: 'warning',
  tsconfig: join(root, 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
};

await mkdir(outdir, { recursive: true });
const outputs = [
  { format: 'iife', globalName: 'SessionTracker', outfile: join(outdir, 'session-tracker.min.js') },
  { format: 'esm', outfile: join(outdir, 'session-tracker.esm.js') },
];
for (const output of outputs) {
  const result = await build({ ...common, ...output });
  const zod = Object.keys(result.metafile.inputs).filter((f) => f.includes('node_modules/zod/'));
  if (zod.length > 0) throw new Error(`zod leaked into ${output.outfile}: ${zod.slice(0, 3).join(', ')}`);
  const { size } = await stat(output.outfile);
  console.log(`${relative(process.cwd(), output.outfile)}  ${(size / 1024).toFixed(1)} KiB`);
}
