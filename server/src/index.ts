export { SessionTracker, attachSessionTracker, startServer, type RunningServer } from './server.js';
export { DEFAULT_OPTIONS, resolveOptions, type ServerOptions } from './options.js';
export { RpcError } from './rpc/errors.js';
export { parseDevice } from './sessions/device.js';
export { clientAddress, trustList } from './transport/address.js';
export { compileFilter } from './filters/regex.js';
