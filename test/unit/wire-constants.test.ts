/**
 * The wire's constants have one definition, in shared/src (codes.ts, limits.ts): the dashboard
 * (through the SDK bundle's `SessionTracker.ErrorCode` / `LIMITS`), the CLI, the RPC layer and the app channel
 * use them by name. This scans their code (comments left out) for the values written out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isServerErrorCode, LIMITS, SERVER_ERROR_RANGE, UNAUTHENTICATED } from '@session-tracker/shared';
import { tokenize } from '../support/imports.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DIRS = ['server/dashboard/src', 'server/src/cli', 'server/src/rpc', 'server/src/app'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const CODES = new Set<number>([...Object.values(ErrorCode), SERVER_ERROR_RANGE.min, SERVER_ERROR_RANGE.max].map((c) => -c));
/** 1,000 is too common a number (a second in ms, a page) to flag; the other limits are not. */
const LIMIT_VALUES = new Set<number>(Object.values(LIMITS).filter((v) => v !== 1_000));

/** `file:line  what` for each constant written out in `file`. */
function writtenOut(file: string, limits: boolean): string[] {
  const where = relative(REPO, file);
  const tokens = tokenize(readFileSync(file, 'utf8'));
  const out: string[] = [];
  tokens.forEach((tok, i) => {
    if (tok.t === 'str' && tok.v === UNAUTHENTICATED) out.push(`${where}:${tok.line}  '${tok.v}' (UNAUTHENTICATED)`);
    if (tok.t !== 'word' || tok.num === undefined) return;
    const value = Number(tok.num.replaceAll('_', ''));
    const prev = tokens[i - 1];
    if (prev?.t === 'punct' && prev.v === '-' && CODES.has(value)) out.push(`${where}:${tok.line}  -${tok.num} (ErrorCode)`);
    else if (limits && LIMIT_VALUES.has(value)) out.push(`${where}:${tok.line}  ${tok.num} (a LIMITS value)`);
  });
  return out;
}

describe('wire constants are used by name', () => {
  it.each(DIRS)('%s writes out no error code, LIMITS value or "Unauthenticated"', (dir) => {
    const limits = dir.startsWith('server/dashboard');
    expect(tsFiles(join(REPO, dir)).flatMap((f) => writtenOut(f, limits))).toEqual([]);
  });

  it('the dashboard page sets no maxlength of its own (dialog.ts sets it from LIMITS)', () => {
    const html = readFileSync(join(REPO, 'server/dashboard/public/index.html'), 'utf8');
    expect(html.match(/maxlength="[^"]*"/g) ?? []).toEqual([]);
  });

  it("the server-defined range is JSON-RPC 2.0's, and holds our own codes", () => {
    expect([-32099, -32000, -32001, -32100, -31999, -32000.5].map(isServerErrorCode)).toEqual([true, true, true, false, false, false]);
    for (const code of [ErrorCode.BadToken, ErrorCode.Forbidden, ErrorCode.NotFound, ErrorCode.RateLimited])
      expect(isServerErrorCode(code)).toBe(true);
  });

  it('the scan sees numbers and strings outside comments', () => {
    const found = tokenize("// -32003\nconst a = -32_003; /* 'Unauthenticated' */ const b = 'Unauthenticated';");
    expect(found.filter((t) => t.t === 'word' && t.num !== undefined).map((t) => t.t === 'word' && t.num)).toEqual(['32_003']);
    expect(found.filter((t) => t.t === 'str').map((t) => t.v)).toEqual(['Unauthenticated']);
  });
});
