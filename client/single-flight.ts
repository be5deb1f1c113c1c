import { decodeValue, encodeValue } from '../shared/codec.js';
import { replaceControlChars } from '../shared/control-chars.js';
import { BatonError, InvalidOptionError } from '../shared/errors.js';
import { intOption } from '../shared/options.js';
import type { ResultFrame } from '../shared/protocol.js';
import { checkAcquireOptions, type AcquireOptions } from './acquire-options.js';
import type { Lease } from './lease.js';

/** A run's outcome as its release carries it: the value's msgpack bytes, or why it failed. */
export type FlightOutcome = { data: Uint8Array } | { failure: string };

/** What {@link runSingleFlight} needs of a client: a single-flight acquire. */
export interface FlightAcquirer {
  /** Settles with the lease (this caller runs) or null, after `onResult` got the run's outcome. */
  request(options: AcquireOptions, onResult: (result: ResultFrame) => void): Promise<Lease | null>;
}

export interface SingleFlightOptions extends Omit<AcquireOptions, 'limit' | 'mode' | 'value'> {
  /** The largest value, as msgpack bytes, shared with the others. Default 8 KiB. */
  maxResultBytes?: number;
}

const DEFAULT_MAX_RESULT_BYTES = 8 * 1024;
/** Larger could not travel anyway: the broker's frame limit is 16 KiB unless raised. */
const MAX_RESULT_BYTES = 16 * 1024 * 1024;
/** A failure message longer than this is cut: the broker takes 1,024 characters. */
const MAX_FAILURE_CHARS = 1_000;

/** See `BatonClient.singleFlight`. */
export async function runSingleFlight<T>(
  client: FlightAcquirer,
  path: string,
  fn: (lease: Lease) => Promise<T> | T,
  options: SingleFlightOptions,
): Promise<T> {
  if (typeof fn !== 'function')
    throw new InvalidOptionError('singleFlight needs a function to run');
  const { maxResultBytes = DEFAULT_MAX_RESULT_BYTES, ...acquire } = options;
  intOption('maxResultBytes', maxResultBytes, 0, MAX_RESULT_BYTES);
  const checked = checkAcquireOptions(acquire);
  if (checked.limit !== undefined || checked.mode !== undefined || checked.value !== undefined) {
    throw new InvalidOptionError('a single flight has one runner: no limit, mode or value');
  }
  let result: ResultFrame | null = null;
  const lease = await client.request(checked, (r) => (result = r));
  if (!lease) return followerValue<T>(path, result);
  let value: T;
  try {
    value = await fn(lease);
  } catch (err) {
    await lease.settle({ failure: failureOf(err) });
    throw err;
  }
  let data: Uint8Array | null = null;
  try {
    data = encodeValue(value);
  } catch (err) {
    await lease.settle({ failure: `its value cannot be sent: ${failureOf(err)}` });
    return value;
  }
  if (data.byteLength > maxResultBytes) {
    const failure = `its value is ${data.byteLength} bytes, over maxResultBytes (${maxResultBytes})`;
    await lease.settle({ failure });
    return value;
  }
  await lease.settle({ data });
  return value;
}

/** What a caller that did not run gets: the runner's value, or its failure. */
function followerValue<T>(path: string, result: ResultFrame | null): T {
  if (!result) {
    throw new BatonError(
      'PROTOCOL',
      `the broker answered a single-flight acquire of ${path} with busy`,
    );
  }
  if (!result.data) {
    throw new BatonError('FLIGHT_FAILED', `the run of ${path} failed: ${result.failure ?? '?'}`);
  }
  try {
    return decodeValue(result.data) as T;
  } catch (err) {
    const message = `the value of the run of ${path} is not msgpack`;
    throw new BatonError('PROTOCOL', message, { cause: err });
  }
}

function failureOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // Control characters are refused by the broker: a message is for people to read.
  return replaceControlChars(text, ' ').slice(0, MAX_FAILURE_CHARS);
}
