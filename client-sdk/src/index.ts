export {
  createClient,
  SessionTrackerClient,
  type AppCallArgs,
  type OpenPageOptions,
  type SessionFilters,
  type SessionInfoQuery,
} from './client.js';
export type { AnyApp, AppCall, AppContract, AppCallOptions } from './app/types.js';
export type { ClientEvents, CallArgs } from './core.js';
export type { ClientOptions } from './options.js';
export { SessionFeed, type FeedChange, type SessionFeedEvents } from './feed.js';
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MIN_UPTIME_MS,
  DEFAULT_MAX_QUEUED_CALLS,
} from './options.js';
export { ClientError, RpcError, isClientError, isRpcError, type ClientErrorCode } from './errors.js';
export type { Logger } from './logger.js';
export { memoryStorage, resumeTokenKey, type KeyValueStorage } from './storage.js';
export type { Timers } from './timers.js';
export type { ConnectionState, StateChange } from './connection/state.js';
export { canTransition, StateMachine, CONNECTION_STATES } from './connection/state.js';
export { Backoff, backoffCeiling, fullJitterDelay, DEFAULT_BACKOFF, type BackoffOptions } from './connection/backoff.js';
export { NO_RECONNECT_CODES } from './connection/manager.js';
export type { NetworkMonitor } from './connection/network.js';
export type { WebSocketLike, WebSocketConstructor } from './connection/transport.js';
export type { PageState } from './pages/registry.js';
export type { PageTrackerHandle, TrackPageOptions } from './pages/tracker.js';
export { ErrorCode, CloseCode, LIMITS, UNAUTHENTICATED, clusterFieldsOf, isClusterSessionInfo } from '@session-tracker/shared';
export type {
  ClusterFields,
  ClusterSessionInfo,
  Dataset,
  DeviceInfo,
  LoginResult,
  MethodName,
  MethodResults,
  PageInfo,
  ParamsOf,
  ServerNotifications,
  SessionInfo,
  SessionScope,
  SessionState,
  SessionStats,
  SessionsChanged,
  WelcomeParams,
  AppMethodTraffic,
  ListSessionsParams,
  SessionsPage,
  SessionInfoField,
  SortField,
  SortSpec,
} from '@session-tracker/shared';
