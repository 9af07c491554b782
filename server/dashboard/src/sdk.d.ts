/** The SDK's browser bundle, loaded from /sdk.js before app.js: `window.SessionTracker`. */
import type * as Sdk from '@session-tracker/client';

declare global {
  const SessionTracker: typeof Sdk;
}
