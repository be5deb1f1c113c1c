export { Broker, createBroker, type BrokerDeps } from './broker.js';
export type { BrokerOptions, ResolvedBrokerOptions } from './broker-options.js';
export * from '../shared/errors.js';
