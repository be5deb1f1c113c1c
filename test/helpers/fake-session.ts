import { BatonClient, type ClientStatus } from '../../client/client.js';
import type { ClientOptions } from '../../client/client-options.js';
import type { ClientFrame } from '../../shared/protocol.js';
import { FakeSocket } from './fake-socket.js';
import { ManualClock } from './manual-clock.js';

/** A client over fake sockets on a manual clock, and what the test sees of it. */
export interface FakeSession {
  client: BatonClient;
  clock: ManualClock;
  /** Every socket the client opened, newest last. */
  sockets: FakeSocket[];
  statuses: ClientStatus[];
}

/** A client on a manual clock whose sockets the test answers; no session yet. */
export function fakeClient(options: Partial<ClientOptions> = {}): FakeSession {
  const clock = new ManualClock();
  const sockets: FakeSocket[] = [];
  const openSocket = (): FakeSocket => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return socket;
  };
  // No jitter drawn: a reconnect waits its full backoff.
  const deps = { clock, timer: clock, random: () => 0 };
  const client = new BatonClient({ url: 'ws://fake', ...options }, openSocket, deps);
  const statuses: ClientStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  return { client, clock, sockets, statuses };
}

/** {@link fakeClient} with its first session open, granted `ttlMs`. */
export async function fakeSession(
  options: Partial<ClientOptions> = {},
  ttlMs = 10_000,
): Promise<FakeSession> {
  const s = fakeClient(options);
  const started = s.client.start();
  s.sockets[0]!.welcome(ttlMs);
  await started;
  return s;
}

/** The frames of kind `t` the client sent on `socket`. */
export function sentOf<T extends ClientFrame['t']>(
  socket: FakeSocket,
  t: T,
): Extract<ClientFrame, { t: T }>[] {
  return socket.sent.filter((f): f is Extract<ClientFrame, { t: T }> => f.t === t);
}

/** Closes the client on manual time: its bye goes unanswered and the wait for it runs out. */
export async function closeFake({ client, clock }: FakeSession): Promise<void> {
  const closing = client.close();
  clock.advance(1_000);
  await closing;
}
