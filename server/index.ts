export { Broker, createBroker, type BrokerDeps } from './broker.js';
export type { AuthOptions } from './auth/auth-options.js';
export type { ReloadResult } from './auth/access.js';
export type {
  BrokerOptions,
  BrokerTableOptions,
  LimitOptions,
  ResolvedBrokerOptions,
  TransportOptions,
} from './broker-options.js';
export * from '../shared/errors.js';
export { startAdmin, type AdminServer } from './admin/admin-server.js';
export type { AdminSource } from './admin/admin-types.js';
export { createLogger, type Logger, type LogOptions } from './log.js';
export type { BrokerEvent, BrokerListener } from './broker-events.js';
