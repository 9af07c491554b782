import type { Logger } from '../logger.js';

/** The wire prefix of app methods and pushes (1.1). Kept here: the browser bundle carries no zod. */
export const APP_PREFIX = 'app.';

type PushHandler = (params: unknown) => void;

/** `client.onPush(name, fn)`: handlers of the `app.<name>` notifications the server pushes. */
export class AppPushes {
  private readonly handlers = new Map<string, Set<PushHandler>>();

  on(name: string, fn: PushHandler): () => void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('onPush: name must be a non-empty string (without "app.")');
    if (typeof fn !== 'function') throw new TypeError(`onPush("${name}"): the handler must be a function`);
    let set = this.handlers.get(name);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(name, set);
    }
    const own = set;
    own.add(fn);
    return () => {
      own.delete(fn);
      if (own.size === 0 && this.handlers.get(name) === own) this.handlers.delete(name);
    };
  }

  /** A notification named `app.<name>` arrived. A throwing handler is logged; the others still run. */
  emit(method: string, params: unknown, logger: Logger): void {
    const name = method.slice(APP_PREFIX.length);
    const set = this.handlers.get(name);
    if (set === undefined) {
      logger.debug('session-tracker: a push nobody listens to', { method });
      return;
    }
    for (const fn of [...set]) {
      try {
        fn(params);
      } catch (err) {
        logger.error(`session-tracker: an onPush("${name}") handler threw`, err);
      }
    }
  }
}
