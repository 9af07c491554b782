// The shapes of the JSON caches a Session holds (filled by info-json.ts): apart, so session.ts
// and info-json.ts do not import each other.

/**
 * The fields fixed for a session's life, as UTF-8 JSON in one buffer: six pieces, each ending
 * where the next dynamic value goes (see info-json.ts for the layout). `cuts[i]` is the end of
 * piece i.
 */
export interface FixedJson {
  bytes: Buffer;
  cuts: readonly number[];
  /** The dataset row's quoted id and creation time. */
  id: string;
  creationIso: string;
}

/** The pages as UTF-8 JSON, rebuilt after a page change: `"pageIds":[…]` then `"pages":[…]`, split at `cut`. */
export interface PagesJson {
  bytes: Buffer;
  cut: number;
}
