export { Broker, createBroker, type BrokerDeps } from './broker.js';
export type { BrokerOptions, ResolvedBrokerOptions } from './broker-options.js';
export * from '../shared/errors.js';
export { startAdmin, type AdminServer } from './admin/admin-server.js';
export type { AdminSource } from './admin/admin-types.js';
