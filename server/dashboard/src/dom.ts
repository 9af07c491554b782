/** Tiny DOM helpers (no framework). */

type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Creates an element; `true` attributes are set empty, `false`/null/undefined ones left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** The element with this ID, of this type; throws when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: { new (): T; prototype: T }): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  if (type !== undefined && !(el instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return el as T;
}

/** Sets text only when it changed (avoids layout work for identical values). */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** A function that runs `fn` at most once per animation frame, however often it is called. */
export function frameBatcher(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

/** An input with its error line and hint, as the forms lay them out. */
export interface FieldParts {
  input: HTMLElement;
  error: HTMLElement;
  hint: HTMLElement;
}

/** Shows (or, with null, clears) a complaint about one field, and tells assistive tech which. */
export function showFieldError({ input, error, hint }: FieldParts, message: string | null): void {
  error.textContent = message ?? '';
  error.hidden = message === null;
  if (message === null) {
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', hint.id);
  } else {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${error.id} ${hint.id}`);
  }
}
