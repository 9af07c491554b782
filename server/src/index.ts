export { SessionTracker, attachSessionTracker, startServer, type RunningServer } from './server.js';
export { DEFAULT_OPTIONS, resolveOptions, type ServerOptions } from './options.js';
export { RpcError } from './rpc/errors.js';
export { parseDevice } from './sessions/device.js';
export { clientAddress, trustList } from './transport/address.js';
export { compileFilter } from './filters/regex.js';
export type { AppHandler, AppSession, HandleOptions, PushTarget, TrackedSocket } from './app/types.js';
export type { TypedApp } from './app/hub.js';
export type { AppCall, AppContract, AnyApp, AppMethodTraffic } from '@session-tracker/shared';
