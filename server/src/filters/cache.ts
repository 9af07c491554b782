import type { RE2JS } from 're2js';

/**
 * Compiled patterns kept across queries (dashboards and timer scripts ask the same ones),
 * bounded by the memory they hold rather than by their number: one pattern at the compile
 * budget holds about a hundred times what an ordinary one does.
 *
 * What an entry holds, measured on re2js 2.10 (node 20, --expose-gc, 1,000 patterns):
 * ~6 KB for any compiled pattern, ~170 bytes per program instruction, and the lazy DFA re2js
 * grows while matching (its own accounting, capped by re2js at 8 MiB). The DFA grows after
 * the entry is stored, so an entry is re-measured whenever it is used again; least recently
 * used entries go first when the total is over the budget.
 */
const ENTRY_BYTES = 6 * 1024;
const BYTES_PER_INSTRUCTION = 170;

interface Entry {
  re: RE2JS;
  bytes: number;
}

/** re2js's lazy DFA, as far as its memory accounting goes (not part of its typed API). */
interface DfaAccounting {
  maxMem: number;
  memBudget: number;
}

/** Bytes the DFA of a compiled pattern holds now, by re2js's own accounting (0 before first use). */
export function dfaBytes(re: RE2JS): number {
  const dfa: unknown = (re as unknown as { re2Input?: { lazyDFA?: unknown } }).re2Input?.lazyDFA;
  if (typeof dfa !== 'object' || dfa === null) return 0;
  const { maxMem, memBudget } = dfa as Partial<DfaAccounting>;
  return typeof maxMem === 'number' && typeof memBudget === 'number' ? Math.max(0, maxMem - memBudget) : 0;
}

/** What a compiled pattern holds in memory now, estimated. */
export function patternBytes(pattern: string, re: RE2JS): number {
  return ENTRY_BYTES + 2 * pattern.length + BYTES_PER_INSTRUCTION * re.programSize() + dfaBytes(re);
}

export class CompiledCache {
  /** In use order: a Map iterates in insertion order, and a hit is re-inserted at the end. */
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  get(pattern: string): RE2JS | undefined {
    const e = this.entries.get(pattern);
    if (!e) return undefined;
    this.entries.delete(pattern);
    const bytes = patternBytes(pattern, e.re);
    this.total += bytes - e.bytes;
    e.bytes = bytes;
    this.entries.set(pattern, e);
    this.evict();
    return e.re;
  }

  set(pattern: string, re: RE2JS): void {
    const old = this.entries.get(pattern);
    if (old) {
      this.entries.delete(pattern);
      this.total -= old.bytes;
    }
    const bytes = patternBytes(pattern, re);
    // Too big to keep at all: compiled for this query only.
    if (bytes > this.maxBytes) return;
    this.entries.set(pattern, { re, bytes });
    this.total += bytes;
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private evict(): void {
    for (const [pattern, e] of this.entries) {
      if (this.total <= this.maxBytes) return;
      this.entries.delete(pattern);
      this.total -= e.bytes;
    }
  }
}
