import { readFileSync } from 'node:fs';
import type { FileValues, FlagDef } from './flags.js';
import { UsageError } from './usage-error.js';

/**
 * Reads a JSON config file whose keys are the flags' names
 * (`{ "port": 7070, "strict-prefix": ["billing/"] }`), checked by the same
 * rules as the flags: an unknown key, or a value of the wrong type, is
 * refused, naming every one of them.
 */
export function readConfigFile(file: string, defs: readonly FlagDef[]): FileValues {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config: ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`--config: ${file} must hold a JSON object of settings`);
  }
  const byName = new Map(defs.filter((d) => !d.noFile).map((d) => [d.name, d]));
  const unknown = Object.keys(json).filter((key) => !byName.has(key));
  if (unknown.length > 0) {
    const list = unknown.map((k) => JSON.stringify(k)).join(', ');
    throw new UsageError(
      `--config: ${file}: unknown ${unknown.length === 1 ? 'key' : 'keys'} ${list} (the keys are the flags' names without --, as in "max-sessions")`,
    );
  }
  const values = new Map<string, unknown>();
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(json)) {
    const def = byName.get(key) as FlagDef;
    try {
      values.set(key, fromJson(def, raw));
    } catch (err) {
      problems.push(`"${key}": ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new UsageError(`--config: ${file}: ${problems.join('; ')}`);
  return { file, values };
}

function fromJson(def: FlagDef, raw: unknown): unknown {
  if (!def.multiple) return def.kind.fromJson(raw);
  if (!Array.isArray(raw)) throw new Error('must be a list');
  return raw.map((item, i) => {
    try {
      return def.kind.fromJson(item);
    } catch (err) {
      throw new Error(`item ${i}: ${(err as Error).message}`);
    }
  });
}
