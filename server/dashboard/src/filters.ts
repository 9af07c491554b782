/**
 * Username and project filters: whole-value RE2 patterns the server applies
 * (`sessions.list` usernameFilter / projectFilter). Typing asks for the rows again after a short
 * pause; the server's `-32602` message is shown next to the field it names.
 */
import { byId, showFieldError, type FieldParts } from './dom.js';

export type FilterField = 'username' | 'project';

export interface FilterValues {
  usernameFilter: string;
  projectFilter: string;
}

export const DEBOUNCE_MS = 300;

interface Field extends FieldParts {
  input: HTMLInputElement;
}

export class FiltersView {
  private readonly fields: Record<FilterField, Field>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last: FilterValues;

  constructor(
    form: HTMLFormElement,
    private readonly onChange: (values: FilterValues) => void,
    private readonly debounceMs = DEBOUNCE_MS,
  ) {
    const field = (name: FilterField): Field => ({
      input: byId(`filter-${name}`, HTMLInputElement),
      error: byId(`filter-${name}-error`),
      hint: byId(`filter-${name}-hint`),
    });
    this.fields = { username: field('username'), project: field('project') };
    this.last = this.values;
    form.addEventListener('input', () => this.changed(false));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.changed(true);
    });
    form.addEventListener('reset', () => {
      // After the browser has emptied the fields.
      setTimeout(() => this.changed(true), 0);
    });
    for (const name of ['username', 'project'] as const) this.setError(name, null);
  }

  get values(): FilterValues {
    return {
      usernameFilter: this.fields.username.input.value,
      projectFilter: this.fields.project.input.value,
    };
  }

  /** Shows (or, with null, clears) the server's complaint about one field. */
  setError(name: FilterField, message: string | null): void {
    showFieldError(this.fields[name], message);
  }

  clearErrors(): void {
    this.setError('username', null);
    this.setError('project', null);
  }

  private changed(now: boolean): void {
    clearTimeout(this.timer);
    const fire = (): void => {
      const values = this.values;
      if (values.usernameFilter === this.last.usernameFilter && values.projectFilter === this.last.projectFilter) return;
      this.last = values;
      this.onChange(values);
    };
    if (now) fire();
    else this.timer = setTimeout(fire, this.debounceMs);
  }

  /** Forgets the last values sent, so the next change (even to the same text) fires again. */
  invalidate(): void {
    this.last = { usernameFilter: '\u0000', projectFilter: '\u0000' };
  }
}
