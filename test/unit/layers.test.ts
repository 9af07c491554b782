/**
 * The layer rule of server/src (CONTRIBUTING.md, "Layers"): a file imports only from its own
 * layer or lower ones, and no files and no folders import each other in a circle. Every import
 * counts, `import type` included: a type-only edge still ties the modules together for whoever
 * changes one of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf } from '../support/imports.js';

/**
 * Lowest first. A member is a folder (`sessions/`) or a file at the top of server/src. Each
 * file of server/src belongs to exactly one layer; a new top-level file or folder must be
 * placed here.
 */
const LAYERS: readonly { name: string; members: readonly string[]; why: string }[] = [
  {
    name: 'lib',
    members: ['lib/', 'log.ts', 'options.ts', 'stats.ts', 'errors.ts', 'filters/'],
    why: 'leaves: logging, options, counters, the error vocabulary, RE2 filters',
  },
  {
    name: 'sessions',
    members: ['sessions/'],
    why: 'the domain: Session, Peer (all it knows of a socket), the registry, renderings',
  },
  { name: 'listing', members: ['listing/'], why: 'sessions.list over this node: orders, cursors, fields, pages' },
  { name: 'services', members: ['auth/', 'history/'], why: 'what the domain uses around it: who a session is, what it leaves behind' },
  { name: 'feeds', members: ['feeds/'], why: 'the live-feed engine over a source; the local source; every feed of a tracker' },
  { name: 'cluster', members: ['cluster/'], why: 'the seam to other nodes: the backend, parts, merges, the cluster feed source' },
  { name: 'transport', members: ['transport/'], why: 'sockets: upgrade checks, Connection (a Peer), heartbeat' },
  { name: 'rpc', members: ['rpc/'], why: 'JSON-RPC: the router, the handlers, the services they see' },
  { name: 'app', members: ['app/'], why: "the app's own traffic (1.1), served through the router" },
  { name: 'wiring', members: ['context.ts'], why: 'the bundle of services server.ts builds' },
  { name: 'http', members: ['http/'], why: 'HTTP routes' },
  { name: 'entry', members: ['server.ts', 'index.ts', 'cli.ts', 'cli/'], why: 'the composition root, the public API, the command line' },
];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../server/src');

interface Edge {
  from: string;
  to: string;
  line: number;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file (relative to server/src, with `/`) a relative specifier names; undefined: none. */
function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const stem = base.replace(/\.(js|ts|mjs|cjs)$/, '');
  return [`${stem}.ts`, `${stem}/index.ts`].find((f) => files.has(f));
}

/** Every import between files of server/src. Throws on a relative import that names no file. */
function importGraph(root: string): { files: string[]; edges: Edge[] } {
  const files = sourceFiles(root).map((f) => relative(root, f).split(sep).join('/'));
  const known = new Set(files);
  const edges: Edge[] = [];
  for (const from of files) {
    for (const ref of importsOf(readFileSync(join(root, from), 'utf8'))) {
      if (!ref.specifier.startsWith('.')) continue;
      const to = resolve(from, ref.specifier, known);
      if (to === undefined) throw new Error(`${from}:${ref.line} imports '${ref.specifier}', which is no file of server/src`);
      edges.push({ from, to, line: ref.line });
    }
  }
  return { files, edges };
}

/** The folder (or top-level file) a file is part of: the unit of the folder-circle check. */
function unitOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file : file.slice(0, slash + 1);
}

function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.members.includes(unitOf(file)));
}

/** Strongly connected groups of more than one node (or a node importing itself): the circles. */
function circles(edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  // Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack.
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1] as [string, number];
      const [node, i] = top;
      const outs = next.get(node) ?? [];
      if (i < outs.length) {
        top[1]++;
        const to = outs[i] as string;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(node) as number));
      if (low.get(node) === index.get(node)) {
        const group: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          group.push(member);
        } while (member !== node);
        if (group.length > 1 || outs.includes(node)) found.push(group.sort());
      }
    }
  }
  return found;
}

/**
 * One shortest loop through a circle's first member, each step with the import that makes it
 * (`at` is the importing file when the nodes are folders).
 */
function loopIn(group: readonly string[], edges: readonly (Edge & { at?: string; toFile?: string })[]): string {
  const members = new Set(group);
  const start = group[0] as string;
  const via = new Map<string, Edge & { at?: string; toFile?: string }>();
  const queue = [start];
  for (let k = 0; k < queue.length; k++) {
    const node = queue[k] as string;
    for (const e of edges) {
      if (e.from !== node || !members.has(e.to)) continue;
      if (e.to === start) {
        const steps = [e];
        for (let back = via.get(node); back; back = via.get(back.from)) steps.unshift(back);
        return steps.map((s) => `${s.at ?? s.from}:${s.line} -> ${s.toFile ?? s.to}`).join(', ');
      }
      if (!via.has(e.to)) {
        via.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  return group.join(', ');
}

/** What is wrong with a tree, one line each (empty: it keeps the rule). */
function violations(root: string): string[] {
  const { files, edges } = importGraph(root);
  const problems: string[] = [];
  for (const f of files)
    if (layerOf(f) < 0) problems.push(`${f} is in no layer: add ${unitOf(f)} to LAYERS in test/unit/layers.test.ts and CONTRIBUTING.md`);
  for (const e of edges) {
    const [from, to] = [layerOf(e.from), layerOf(e.to)];
    if (from >= 0 && to > from)
      problems.push(`upward import: ${e.from}:${e.line} (${LAYERS[from]?.name}) imports ${e.to} (${LAYERS[to]?.name})`);
  }
  for (const group of circles(edges)) problems.push(`file circle of ${group.length}: ${loopIn(group, edges)}`);
  const unitEdges = edges
    .map((e) => ({ from: unitOf(e.from), to: unitOf(e.to), line: e.line, at: e.from, toFile: e.to }))
    .filter((e) => e.from !== e.to);
  for (const group of circles(unitEdges)) problems.push(`folder circle of ${group.length}: ${loopIn(group, unitEdges)}`);
  return problems;
}

describe('server/src layers', () => {
  it('every layer member exists, and each is in one layer only', () => {
    const members = LAYERS.flatMap((l) => l.members);
    expect(new Set(members).size).toBe(members.length);
    const { files } = importGraph(ROOT);
    const units = new Set(files.map(unitOf));
    expect(members.filter((m) => !units.has(m))).toEqual([]);
  });

  it('no upward import, no circle of files or of folders', () => {
    expect(violations(ROOT)).toEqual([]);
  });
});

describe('the import scan', () => {
  it('reads static, type-only, side-effect, re-export and dynamic imports, over several lines', () => {
    const src = [
      'import { a,',
      "  type B } from './one.js';",
      'import type { C } from "./two.js";',
      "import './three.js';",
      "import * as ns from './four.js';",
      "import d, { e } from './five.js';",
      "export { f } from './six.js';",
      "export type { G } from './seven.js';",
      "export * from './eight.js';",
      "export * as h from './nine.js';",
      "const m = await import('./ten.js');",
      "type T = typeof import('./eleven.js');",
    ].join('\n');
    expect(importsOf(src).map((r) => [r.specifier, r.line, r.kind])).toEqual([
      ['./one.js', 2, 'import'],
      ['./two.js', 3, 'import'],
      ['./three.js', 4, 'import'],
      ['./four.js', 5, 'import'],
      ['./five.js', 6, 'import'],
      ['./six.js', 7, 'export'],
      ['./seven.js', 8, 'export'],
      ['./eight.js', 9, 'export'],
      ['./nine.js', 10, 'export'],
      ['./ten.js', 11, 'dynamic'],
      ['./eleven.js', 12, 'dynamic'],
    ]);
  });

  it('ignores what only looks like an import: comments, strings, templates, regexes, declarations', () => {
    const src = [
      "// import { x } from './c1.js';",
      "/* import './c2.js'; */",
      'const s = "import { y } from \'./s1.js\'";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source under test holds a template literal
      "const t = `import('./t1.js') ${x} import z from './t2.js'`;",
      "const r = /import '.\\/r1.js'/g;",
      'export const from = 1;',
      'export { from };',
      "obj.import('./p1.js');",
      "import { real } from './real.js';",
    ].join('\n');
    expect(importsOf(src).map((r) => r.specifier)).toEqual(['./real.js']);
  });

  it('finds a circle and names its files', () => {
    const edges = [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'a' },
      { from: 'c', to: 'd' },
      { from: 'e', to: 'e' },
    ];
    expect(circles(edges)).toEqual([['a', 'b', 'c'], ['e']]);
  });
});
