export * from './codes.js';
export * from './limits.js';
export * from './jsonrpc.js';
export * from './methods.js';
export * from './session-info.js';
export * from './json-schema.js';
export * from './history.js';
export * from './app.js';
