import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// The one conformance file that reads the code: it holds PROTOCOL.md against it.
import { ERROR_CODES } from '../../shared/errors.js';
import { CLOSE_CODES, FRAME_LIMITS, LIST_CODES, PROTOCOL_VERSION } from '../../shared/protocol.js';
import {
  caseLabels,
  docProblems,
  documentedColumn,
  SECTIONS,
  type CodeFacts,
} from './doc-tables.js';
import * as wire from './wire.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const DOC = read('PROTOCOL.md');

/** The TypeScript sources under `dir`, or `dir` itself when it is a file. */
function sources(dir: string): string[] {
  if (dir.endsWith('.ts')) return [dir];
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name).slice(ROOT.length + 1));
}

/** The code that talks to clients over the wire: what it quotes, it can send. */
const WIRE_SIDE = ['server/core', 'server/transport', 'server/auth', 'server/broker.ts']
  .flatMap(sources)
  .map(read)
  .join('\n');

const protocolSource = read('shared/protocol.ts');

/** The facts PROTOCOL.md is held against, from the code. */
const CODE: CodeFacts = {
  version: PROTOCOL_VERSION,
  errorCodes: ERROR_CODES,
  brokerSends: new Set(ERROR_CODES.filter((c) => WIRE_SIDE.includes(`'${c}'`))),
  closeCodes: CLOSE_CODES,
  // The standard codes the gateway names, as `const NAME = 1xxx;`.
  standardCloseCodes: [
    ...sources('server/transport')
      .map(read)
      .join('\n')
      .matchAll(/^const \w+ = (1\d{3});/gm),
  ].map((m) => Number(m[1])),
  clientFrames: caseLabels(protocolSource, 'readClientFrame'),
  serverFrames: caseLabels(protocolSource, 'readServerFrame'),
  fieldLimits: {
    path: { type: 'string', max: FRAME_LIMITS.maxPathChars },
    session: { type: 'string', max: FRAME_LIMITS.maxSessionIdChars },
    secret: { type: 'string', max: FRAME_LIMITS.maxSessionIdChars },
    name: { type: 'string', max: FRAME_LIMITS.maxNameChars },
    authToken: { type: 'string', max: FRAME_LIMITS.maxAuthTokenChars },
    ttlMs: { type: 'int', max: FRAME_LIMITS.maxTimeoutMs },
    timeoutMs: { type: 'int', max: FRAME_LIMITS.maxTimeoutMs },
    limit: { type: 'int', max: FRAME_LIMITS.maxLimit },
    value: { type: 'string', max: FRAME_LIMITS.maxValueChars },
    positions: { type: 'int', max: FRAME_LIMITS.maxLimit },
  },
};

/** A column of PROTOCOL.md that must be there. */
function docColumn(title: string, name: string): string[] {
  const col = documentedColumn(DOC, title, name);
  if ('problem' in col) throw new Error(col.problem);
  return col.values;
}

/** PROTOCOL.md with the table row that starts with `| first ` removed. */
function withoutRow(markdown: string, first: string): string {
  const lines = markdown.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`| ${first} `));
  if (i < 0) throw new Error(`no row ${first}`);
  lines.splice(i, 1);
  return lines.join('\n');
}

/** PROTOCOL.md with `row` added after the row that starts with `| after `. */
function withRow(markdown: string, after: string, row: string): string {
  const lines = markdown.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`| ${after} `));
  if (i < 0) throw new Error(`no row ${after}`);
  lines.splice(i + 1, 0, row);
  return lines.join('\n');
}

describe('PROTOCOL.md against the code', () => {
  it('sees the code it compares with', () => {
    // Guards the extraction itself: empty sets would agree with an empty document.
    expect(CODE.clientFrames).toContain('acquire');
    expect(CODE.serverFrames).toContain('grant');
    expect(CODE.standardCloseCodes).toContain(1009);
    expect(CODE.brokerSends.has('NOT_HOLDER')).toBe(true);
    expect(CODE.brokerSends.has('ABORTED')).toBe(false);
  });

  it('lists every error code, close code, frame type and field limit the code has, and no other', () => {
    expect(docProblems(DOC, CODE)).toEqual([]);
  });

  it('states what the conformance tests use, as they write it', () => {
    expect(docColumn(SECTIONS.errors, 'code')).toEqual([...wire.ERROR_CODES]);
    const closeNames = docColumn(SECTIONS.close, 'name');
    const closeNumbers = docColumn(SECTIONS.close, 'code').map(Number);
    expect(Object.fromEntries(closeNames.map((n, i) => [n, closeNumbers[i]]))).toEqual(wire.CLOSE);
    expect(docColumn(SECTIONS.standardClose, 'code').map(Number)).toEqual(
      Object.values(wire.STANDARD_CLOSE),
    );
    expect(docColumn(SECTIONS.clientFrames, 't')).toEqual([...wire.CLIENT_FRAMES]);
    expect(docColumn(SECTIONS.serverFrames, 't')).toEqual([...wire.SERVER_FRAMES]);
    // "Compact frames": each list's code and the frame it stands for, as the code and the tests have them.
    const lists = docColumn('Compact frames', 'list');
    const means = docColumn('Compact frames', 'means');
    const documented = Object.fromEntries(
      lists.map((l, i) => [/t: "(\w+)"/.exec(means[i]!)?.[1], Number(/\[(\d+),/.exec(l)?.[1])]),
    );
    expect(documented).toEqual({ ...wire.LIST_CODES });
    expect(documented).toEqual({ ...LIST_CODES });
    expect(DOC).toContain(`Protocol version: **${wire.PROTOCOL_VERSION}**`);
    expect(DOC).toContain(wire.HELLO_EXAMPLE_HEX);
  });
});

describe('the doc check bites', () => {
  it('reports an error code the code has and the document lacks', () => {
    expect(docProblems(withoutRow(DOC, '`TIMEOUT`'), CODE)).toEqual([
      'error code: TIMEOUT is in the code, not in PROTOCOL.md',
    ]);
  });

  it('reports an error code the document lists and the code lacks, and one listed twice', () => {
    const extra = withRow(DOC, '`INTERNAL`', '| `GONE` | yes | none | made up | no |');
    expect(docProblems(extra, CODE)).toEqual([
      'error code: GONE is in PROTOCOL.md, not in the code',
    ]);
    const twice = withRow(DOC, '`INTERNAL`', '| `INTERNAL` | yes | none | again | no |');
    expect(docProblems(twice, CODE)).toEqual([
      'error code: INTERNAL is listed twice in PROTOCOL.md',
    ]);
  });

  it('reports a code the document says the broker sends when it never does, and the reverse', () => {
    const flipped = DOC.replace(/^\| `ABORTED`( +)\| no /m, '| `ABORTED`$1| yes');
    expect(flipped).not.toBe(DOC);
    expect(docProblems(flipped, CODE)).toEqual([
      'error code: PROTOCOL.md says the broker sends it: ABORTED',
    ]);
  });

  it('reports a close code with a wrong number, a missing one and an extra one', () => {
    const renumbered = DOC.replace(/^\| 4009 \| `rateLimited`/m, '| 4099 | `rateLimited`');
    expect(docProblems(renumbered, CODE)).toEqual([
      'close code: rateLimited=4099 is in PROTOCOL.md, not in the code',
      'close code: rateLimited=4009 is in the code, not in PROTOCOL.md',
    ]);
    expect(docProblems(withoutRow(DOC, '4001'), CODE)).toEqual([
      'close code: replaced=4001 is in the code, not in PROTOCOL.md',
    ]);
    expect(docProblems(withoutRow(DOC, '1013'), CODE)).toEqual([
      'standard close code: 1013 is in the code, not in PROTOCOL.md',
    ]);
  });

  it('reports a table it cannot find, a frame type and a field limit that drifted', () => {
    const renamed = DOC.replace('## Error codes', '## Errors');
    expect(docProblems(renamed, CODE)).toContain(
      'no table under the heading "Error codes" in PROTOCOL.md',
    );
    expect(docProblems(withoutRow(DOC, '`cancel`'), CODE)).toEqual([
      'client frame: cancel is in the code, not in PROTOCOL.md',
    ]);
    const longer = {
      ...CODE,
      fieldLimits: { ...CODE.fieldLimits, name: { type: 'string' as const, max: 256 } },
    };
    expect(docProblems(DOC, longer)).toEqual([
      'field limit: PROTOCOL.md does not give name as "string ≤ 256"',
    ]);
    expect(docProblems(DOC, { ...CODE, version: 2 })).toEqual([
      'protocol version: PROTOCOL.md says 1, the code 2',
    ]);
  });
});
