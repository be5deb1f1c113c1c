// A worker that takes one lock per job, so two workers never run the same job
// at once. Run a broker (`npx baton server`), then `npm start -- job-a job-b`.
import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError, connect, type BatonClient } from '@baton-locks/client';

const url = process.env.BATON_URL ?? 'ws://127.0.0.1:7070';
const jobs = process.argv.length > 2 ? process.argv.slice(2) : ['invoice-1', 'invoice-2'];
/** How long each of a job's three steps takes; long enough here to watch one in the console. */
const stepMs = Number(process.env.JOB_STEP_MS ?? 200);

/**
 * Stands in for the database or bucket the job writes to. It remembers the
 * largest fencing token it has seen per key and refuses writes that carry a
 * smaller one: a worker that was paused past its lease (a GC pause, a frozen
 * VM) and wakes up still thinking it holds the lock cannot overwrite the
 * work of the worker that holds it now.
 */
class FencedStore {
  private readonly lastToken = new Map<string, number>();

  write(key: string, value: string, token: number): void {
    const last = this.lastToken.get(key) ?? 0;
    if (token < last) throw new Error(`refused: token ${token} is older than ${last}`);
    this.lastToken.set(key, token);
    console.log(`store: ${key} = ${value} (token ${token})`);
  }
}

const store = new FencedStore();

async function runJob(client: BatonClient, job: string): Promise<void> {
  // Released when this function returns or throws: no try/finally needed.
  await using lease = await client.acquire(`jobs/${job}`, { timeoutMs: 30_000 });
  console.log(`${job}: holding jobs/${job} with token ${lease.token}`);
  for (let step = 1; step <= 3; step++) {
    await sleep(stepMs); // a step of real work
    // lease.signal aborts, with a LockLostError as its reason, once the client
    // can no longer be sure it holds the lock (the broker took it back, the
    // session lapsed): look before every write, and stop if so.
    lease.signal.throwIfAborted();
    store.write(`${job}/step-${step}`, 'done', lease.token);
  }
  console.log(`${job}: done`);
}

// Closed, ending the session and whatever it still holds, when the program leaves this scope.
await using client = await connect({ url, name: 'example-worker' });
for (const job of jobs) {
  try {
    await runJob(client, job);
  } catch (err) {
    // LOCK_LOST: another worker may be running this job now; leave it to them.
    if (err instanceof BatonError && err.code === 'LOCK_LOST') {
      console.log(`${job}: lost the lock (${err.message}); not finishing it`);
    } else {
      throw err;
    }
  }
}
console.log('all jobs handled');
