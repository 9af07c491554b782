import type { AnyApp, AppCall, AppContract } from '@session-tracker/shared';

export type { AnyApp, AppCall, AppContract };

/** Names of the app's calls (keys of its contract's `calls`). */
export type AppCallName<A extends AppContract> = keyof A['calls'] & string;
export type AppCallParams<A extends AppContract, N extends AppCallName<A>> = A['calls'][N]['params'];
export type AppCallResult<A extends AppContract, N extends AppCallName<A>> = A['calls'][N]['result'];
export type AppNotificationName<A extends AppContract> = keyof A['notifications'] & string;
export type AppPushName<A extends AppContract> = keyof A['pushes'] & string;

export interface AppCallOptions {
  /** This call's timeout, time in the queue included. Default: the client's `callTimeoutMs`. */
  timeoutMs?: number;
}
