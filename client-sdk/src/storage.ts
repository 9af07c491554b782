/**
 * Where the resume token lives. The default is `localStorage` when the page has
 * one (so every tab of the origin shares the session, as in Ignition Perspective),
 * else a private in-memory store.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => {
      map.set(key, value);
    },
    removeItem: (key) => {
      map.delete(key);
    },
  };
}

/** Returns a Web Storage area when it exists and works (it throws in some private modes). */
export function webStorage(kind: 'localStorage' | 'sessionStorage'): KeyValueStorage | null {
  if (typeof window === 'undefined') return null;
  try {
    const area = window[kind];
    const probe = '__session_tracker_probe__';
    area.setItem(probe, '1');
    area.removeItem(probe);
    return area;
  } catch {
    return null;
  }
}

export function defaultStorage(): KeyValueStorage {
  return webStorage('localStorage') ?? memoryStorage();
}

export function resumeTokenKey(project: string): string {
  return `session-tracker:resume:${project}`;
}

/** Storage that never throws: a full or revoked store just loses the value. */
export class SafeStore {
  constructor(private readonly storage: KeyValueStorage) {}

  get(key: string): string | null {
    try {
      return this.storage.getItem(key);
    } catch {
      return null;
    }
  }

  set(key: string, value: string): void {
    try {
      this.storage.setItem(key, value);
    } catch {
      // Quota or access errors: the session simply will not resume.
    }
  }

  remove(key: string): void {
    try {
      this.storage.removeItem(key);
    } catch {
      // Ignore, as above.
    }
  }
}
