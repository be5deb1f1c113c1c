import { describe, expect, it } from 'vitest';
import { connect } from '../../client/node.js';
import type { Consistency } from '../../shared/protocol.js';
import { BrokerCluster } from '../helpers/broker-cluster.js';
import { eventually, sleep } from '../helpers/harness.js';
import { check } from '../helpers/history.js';
import { RedisProcess } from '../helpers/redis-server.js';
import { Workload } from '../helpers/workload.js';

/** `npm run test:faults` sets more rounds; `npm test` runs a short version. */
const ROUNDS = Number(process.env.BATON_FAULT_ROUNDS ?? 3);
const LEASE_MS = 1_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

describe.each<Consistency>(['strict', 'efficient'])(
  'kill -9 of the active broker (%s)',
  (level) => {
    it(
      `fails over ${ROUNDS} times under load without breaking the rules`,
      { timeout: 60_000 + ROUNDS * 10_000 },
      async () => {
        const redis = await RedisProcess.start();
        const cluster = await BrokerCluster.start(2, [
          '--redis',
          redis.url,
          '--leader-lease-ms',
          String(LEASE_MS),
          '--consistency',
          level,
        ]);
        await eventually(() => cluster.active(), 10_000, 'a first active broker');
        const work = await Workload.start({
          urls: cluster.urls,
          sessions: 12,
          paths: ['a', 'b', 'c'],
          consistency: level,
        });
        const takeovers: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          await eventually(
            () => (work.grants > 20 * (round + 1) ? true : undefined),
            15_000,
            'grants',
          );
          const victim = cluster.active()!;
          const epoch = cluster.epochOf(victim);
          const killedAt = performance.now();
          await cluster.kill(victim);
          const next = await eventually(
            () => {
              const a = cluster.active();
              return a && cluster.epochOf(a) > epoch ? a : undefined;
            },
            10_000,
            'a takeover',
          );
          takeovers.push(performance.now() - killedAt);
          expect(next).not.toBe(victim);
          await cluster.restart(victim);
        }
        await sleep(300);
        await work.stop();
        const findings = check(work.history);
        console.log(
          JSON.stringify({
            scenario: 'broker kill -9',
            level,
            rounds: ROUNDS,
            grants: work.grants,
            takeoverMs: {
              p50: percentile(takeovers, 50),
              p99: percentile(takeovers, 99),
              max: Math.max(...takeovers),
            },
            doubleGrants: findings.doubleGrants.length,
            tokenRegressions: findings.tokenRegressions.length,
            rejectedWrites: findings.rejectedWrites,
            errors: Object.fromEntries(work.errors),
          }),
        );
        expect(findings.tokenRegressions).toEqual([]);
        expect(findings.duplicateTokens).toEqual([]);
        if (level === 'strict') {
          expect(findings.doubleGrants).toEqual([]);
          expect(findings.rejectedWrites).toBe(0);
        }
        // Nothing stays stuck once the faults are over.
        const probe = await connect({ url: cluster.urls, connectTimeoutMs: 10_000 });
        for (const path of ['a', 'b', 'c']) {
          const lease = await probe.acquire(path, { timeoutMs: 10_000 });
          await lease.release();
        }
        await probe.close();
      },
    );
  },
);
