import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '../shared/errors.js';

/**
 * PEM text given inline or by file path: a value that starts with
 * `-----BEGIN` is the PEM itself, anything else names a file, read now so a
 * missing or unreadable one stops the broker at start, not at the first
 * client. `name` is the option, named in the error.
 */
export function readPem(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionError(`${name} must be a file path or PEM text`);
  }
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    throw new InvalidOptionError(`${name}: cannot read ${value}: ${(err as Error).message}`);
  }
  if (!text.includes('-----BEGIN')) {
    throw new InvalidOptionError(`${name}: ${value} is not a PEM file`);
  }
  return text;
}
