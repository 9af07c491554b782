/**
 * The confirmation dialog (a native modal <dialog> from index.html): a title, a sentence,
 * an optional message for the user, Cancel and a confirm button. Escape cancels; focus
 * returns to where it was.
 */
import { byId } from './dom.js';

export interface ConfirmOptions {
  title: string;
  description: string;
  confirmLabel: string;
  /** Placeholder of the message field. */
  placeholder?: string;
}

let pending: ((value: string | null) => void) | null = null;

/** Resolves with the message (possibly "") when confirmed, null when cancelled. */
export function confirmWithMessage(options: ConfirmOptions): Promise<string | null> {
  const dialog = byId('confirm-dialog', HTMLDialogElement);
  const title = byId('confirm-title');
  const description = byId('confirm-description');
  const message = byId('confirm-message', HTMLTextAreaElement);
  const confirm = byId('confirm-ok', HTMLButtonElement);
  if (pending) {
    pending(null);
    pending = null;
  }
  if (dialog.open) dialog.close('cancel');
  title.textContent = options.title;
  description.textContent = options.description;
  confirm.textContent = options.confirmLabel;
  message.value = '';
  // The contract's limit on `message` (read here: the SDK bundle loads before app.js runs).
  message.maxLength = SessionTracker.LIMITS.titleMaxLength;
  message.placeholder = options.placeholder ?? '';
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  return new Promise((resolve) => {
    pending = resolve;
    dialog.addEventListener(
      'close',
      () => {
        if (pending !== resolve) return;
        pending = null;
        resolve(dialog.returnValue === 'confirm' ? message.value.trim() : null);
        if (opener?.isConnected) opener.focus();
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    message.focus();
  });
}
