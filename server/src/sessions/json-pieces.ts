// The shapes of the JSON caches a Session holds (filled by info-json.ts): apart, so session.ts
// and info-json.ts do not import each other.

/** JSON pieces of the fields fixed for a session's life. */
export interface FixedJson {
  idAndAgent: string;
  project: string;
  address: string;
  scope: string;
  creation: string;
  device: string;
  /** The dataset row's quoted id and creation time. */
  id: string;
  creationIso: string;
}

/** JSON pieces of the pages, rebuilt after a page change. */
export interface PagesJson {
  ids: string;
  pages: string;
}
