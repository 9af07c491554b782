/**
 * The History view's search form: username and project patterns (whole-value RE2, the
 * server checks them), the time window (a preset, custom from / to, or one moment), and
 * for the events list the event types. Typing searches after a short pause, other changes
 * at once; each field shows its own error, as the live filters do.
 */
import type { HistoryEventType } from '@session-tracker/shared';
import { byId, h, setText, showFieldError, type FieldParts } from './dom.js';
import { DEBOUNCE_MS } from './filters.js';
import { EVENT_LABELS, EVENT_TYPES, toLocalInput, type HistoryField, type Preset, type WindowInput } from './history-model.js';

export interface HistoryQueryInput {
  usernameFilter: string;
  projectFilter: string;
  window: WindowInput;
  types: HistoryEventType[];
}

type ErrorField = HistoryField | 'at';

const PRESETS: readonly Preset[] = ['1h', '24h', '7d', 'custom', 'at'];

export class HistoryForm {
  private readonly username = byId('hist-username', HTMLInputElement);
  private readonly project = byId('hist-project', HTMLInputElement);
  private readonly preset = byId('hist-window', HTMLSelectElement);
  private readonly from = byId('hist-from', HTMLInputElement);
  private readonly to = byId('hist-to', HTMLInputElement);
  private readonly at = byId('hist-at', HTMLInputElement);
  private readonly types: HTMLFieldSetElement;
  private readonly boxes: HTMLInputElement[];
  private readonly fields: Record<ErrorField, FieldParts>;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly onChange: () => void,
  ) {
    this.types = byId('hist-types', HTMLFieldSetElement);
    this.boxes = EVENT_TYPES.map((type) =>
      h('input', { type: 'checkbox', name: 'types', value: type, id: `hist-type-${type.replace('.', '-')}` }),
    );
    byId('hist-types-boxes').replaceChildren(
      ...this.boxes.map((box) => h('label', { class: 'type-box', for: box.id }, box, EVENT_LABELS[box.value] ?? box.value)),
    );
    const parts = (name: string, input: HTMLElement): FieldParts => ({
      input,
      error: byId(`hist-${name}-error`),
      hint: byId(`hist-${name}-hint`),
    });
    this.fields = {
      username: parts('username', this.username),
      project: parts('project', this.project),
      from: parts('from', this.from),
      to: parts('to', this.to),
      at: parts('at', this.at),
      types: parts('types', this.types),
    };
    form.addEventListener('input', (ev) => {
      // Text is searched after a pause; the other inputs also fire `change`.
      if (ev.target === this.username || ev.target === this.project) this.schedule(DEBOUNCE_MS);
    });
    form.addEventListener('change', (ev) => {
      if (ev.target === this.preset) this.presetChanged();
      if (ev.target !== this.username && ev.target !== this.project) this.schedule(0);
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.schedule(0);
    });
    form.addEventListener('reset', () => {
      // After the browser has put the defaults back.
      setTimeout(() => {
        this.presetChanged();
        this.schedule(0);
      }, 0);
    });
    this.presetChanged();
  }

  get values(): HistoryQueryInput {
    const preset = PRESETS.find((p) => p === this.preset.value) ?? '24h';
    return {
      usernameFilter: this.username.value,
      projectFilter: this.project.value,
      window: { preset, from: this.from.value, to: this.to.value, at: this.at.value },
      types: this.boxes.filter((b) => b.checked).map((b) => b.value as HistoryEventType),
    };
  }

  /** The events list has no project filter (the server keeps none per event); it has types. */
  setMode(mode: 'sessions' | 'events'): void {
    byId('hist-project-row').hidden = mode === 'events';
    // "Connected at" is a question about sessions: for events, the moment becomes a start.
    const at = this.preset.querySelector<HTMLOptionElement>('option[value="at"]');
    if (at !== null) at.disabled = at.hidden = mode === 'events';
    if (mode === 'events' && this.preset.value === 'at') {
      this.from.value = this.at.value;
      this.to.value = '';
      this.preset.value = 'custom';
      this.presetChanged();
    }
    this.types.hidden = mode !== 'events';
    setText(byId('hist-window-hint'), mode === 'events' ? 'Events that happened in the window' : 'Sessions whose life overlaps the window');
  }

  /** Shows (or, with null, clears) a complaint about one field. */
  setError(name: ErrorField, message: string | null): void {
    showFieldError(this.fields[name], message);
  }

  clearErrors(): void {
    for (const name of Object.keys(this.fields) as ErrorField[]) this.setError(name, null);
  }

  reset(): void {
    clearTimeout(this.timer);
    this.form.reset();
    this.presetChanged();
    this.clearErrors();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(), ms);
  }

  /** Shows the inputs the preset uses, filled with a sensible start when empty. */
  private presetChanged(): void {
    const preset = this.preset.value;
    byId('hist-from-row').hidden = preset !== 'custom';
    byId('hist-to-row').hidden = preset !== 'custom';
    byId('hist-at-row').hidden = preset !== 'at';
    const now = Date.now();
    if (preset === 'custom' && this.from.value === '' && this.to.value === '') this.from.value = toLocalInput(now - 3_600_000);
    if (preset === 'at' && this.at.value === '') this.at.value = toLocalInput(now - 60_000);
  }
}
