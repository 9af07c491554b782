/**
 * Event lists: the timeline of one session and the events of everyone. Each event is a
 * list item with its time, its type and one readable line of its `detail` (the whole
 * detail as JSON in the tooltip); in the list of everyone, the session it belongs to is a
 * button that opens that session's timeline.
 */
import type { HistoryEvent } from '@session-tracker/shared';
import { h } from './dom.js';
import { formatDateTime } from './format.js';
import { EVENT_LABELS, describeDetail } from './history-model.js';

export interface EventListOptions {
  /** Show who and which session (the list of everyone); the timeline leaves them out. */
  withSession: boolean;
  onSession?(event: HistoryEvent): void;
}

export function renderEvent(e: HistoryEvent, options: EventListOptions): HTMLLIElement {
  const detail = describeDetail(e.type, e.detail);
  const li = h(
    'li',
    { class: `event is-${e.type.replace('.', '-')}`, 'data-type': e.type, 'data-session-id': e.sessionId },
    h('time', { class: 'event-at', datetime: e.at }, formatDateTime(e.at)),
    h('span', { class: 'event-type' }, EVENT_LABELS[e.type] ?? e.type),
    h('span', { class: 'event-detail', title: JSON.stringify(e.detail) }, detail || '—'),
  );
  if (options.withSession) {
    const who = h(
      'button',
      { type: 'button', class: 'link-btn event-who', 'data-session-id': e.sessionId, title: `Timeline of session ${e.sessionId}` },
      e.username || 'anonymous',
      h('span', { class: 'muted' }, ` · ${e.project}`),
    );
    who.addEventListener('click', () => options.onSession?.(e));
    li.append(h('span', { class: 'event-session' }, who, h('span', { class: 'mono small muted' }, e.clientAddress || '')));
  }
  return li;
}

/** Fills `list` with events (appending when asked). */
export function renderEvents(list: HTMLElement, events: readonly HistoryEvent[], append: boolean, options: EventListOptions): void {
  const items = events.map((e) => renderEvent(e, options));
  if (append) list.append(...items);
  else list.replaceChildren(...items);
}
