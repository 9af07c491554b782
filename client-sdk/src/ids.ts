/** A random ID for pages: a UUID where `crypto.randomUUID` exists (secure contexts), else 128 random bits in hex. */
export function randomId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c !== undefined && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // Fall through: some insecure contexts expose it but refuse to run it.
    }
  }
  const bytes = new Uint8Array(16);
  if (c !== undefined && typeof c.getRandomValues === 'function') {
    c.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
