import { createRequire } from 'node:module';
import type * as Etcd3 from 'etcd3';
import type Zookeeper from 'node-zookeeper-client';
import type RedlockClass from 'redlock';
import { repoPath } from '../../lib/paths.js';

/**
 * The peers' client libraries, loaded from the peers' own package
 * (bench/peers/package.json, installed by `npm run bench:peers`) and not from
 * Baton's dependencies. The bench runs from .bench-out/, where a bare import
 * would never look in bench/peers/node_modules; all three are CommonJS.
 */
const require = createRequire(repoPath('bench/peers/package.json'));

export const etcd3 = require('etcd3') as typeof Etcd3;
export const zookeeper = require('node-zookeeper-client') as typeof Zookeeper;
export const Redlock = (require('redlock') as { default: typeof RedlockClass }).default;
