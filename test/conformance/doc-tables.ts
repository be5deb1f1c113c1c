/**
 * Reads PROTOCOL.md's tables and compares them with what the code defines,
 * so the document cannot drift from the code. Pure string work: the caller
 * reads the files and gives the sets from the code.
 */

/** A markdown table: its header cells and its rows, cells trimmed and without backticks. */
export interface Table {
  header: string[];
  rows: string[][];
}

const HEADING = /^#{1,6}\s+(.*?)\s*$/;

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim().replaceAll('`', ''));
}

/**
 * The first table in the section under the heading `title` (any level), up
 * to the next heading; null when there is no such heading or no table in it.
 */
export function tableUnder(markdown: string, title: string): Table | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => HEADING.exec(l)?.[1] === title);
  if (start < 0) return null;
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (HEADING.test(line)) break;
    if (line.trimStart().startsWith('|')) block.push(line);
    else if (block.length > 0) break;
  }
  const [head, rule, ...rows] = block;
  if (head === undefined || rule === undefined || !/^[\s|:-]+$/.test(rule)) return null;
  return { header: cells(head), rows: rows.map(cells) };
}

/** The cells of column `name` in `table`, or null when it has no such column. */
export function column(table: Table, name: string): string[] | null {
  const i = table.header.indexOf(name);
  return i < 0 ? null : table.rows.map((r) => r[i] ?? '');
}

/** What differs between a documented list and the code's set, one line per difference. */
export function setProblems(
  what: string,
  documented: readonly string[],
  inCode: Iterable<string>,
): string[] {
  const code = new Set(inCode);
  const doc = new Set(documented);
  const problems: string[] = [];
  for (const d of documented.filter((d, i) => documented.indexOf(d) !== i)) {
    problems.push(`${what}: ${d} is listed twice in PROTOCOL.md`);
  }
  for (const d of doc)
    if (!code.has(d)) problems.push(`${what}: ${d} is in PROTOCOL.md, not in the code`);
  for (const c of code)
    if (!doc.has(c)) problems.push(`${what}: ${c} is in the code, not in PROTOCOL.md`);
  return problems;
}

/** A column of the table under `title`, or a problem saying why there is none. */
export function documentedColumn(
  markdown: string,
  title: string,
  name: string,
): { values: string[] } | { problem: string } {
  const table = tableUnder(markdown, title);
  if (!table) return { problem: `no table under the heading "${title}" in PROTOCOL.md` };
  const values = column(table, name);
  if (!values) return { problem: `the table under "${title}" has no column "${name}"` };
  return { values };
}

/**
 * The `case '…':` labels in the body of `function fnName(` in `source`: the
 * frame types a guard reads.
 */
export function caseLabels(source: string, fnName: string): string[] {
  const start = source.indexOf(`function ${fnName}(`);
  if (start < 0) return [];
  const end = source.indexOf('\n}\n', start);
  const body = source.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/case '([^']+)':/g)].map((m) => m[1] as string);
}

/** What the code defines, for {@link docProblems} to hold PROTOCOL.md against. */
export interface CodeFacts {
  version: number;
  /** Every error code (`ERROR_CODES`). */
  errorCodes: readonly string[];
  /** The error codes the broker's wire side can send. */
  brokerSends: ReadonlySet<string>;
  /** The broker's close codes by name (`CLOSE_CODES`). */
  closeCodes: Readonly<Record<string, number>>;
  /** Standard WebSocket close codes the broker closes with. */
  standardCloseCodes: readonly number[];
  clientFrames: readonly string[];
  serverFrames: readonly string[];
  /** Field → its type and bound, as the client frames table must state it (`string ≤ n`, `int m … n`). */
  fieldLimits: Readonly<Record<string, { type: 'string' | 'int'; max: number }>>;
}

/** Section titles of PROTOCOL.md that hold the tables checked. */
export const SECTIONS = {
  errors: 'Error codes',
  close: 'Close codes',
  standardClose: 'Standard close codes',
  clientFrames: 'Frames from the client',
  serverFrames: 'Frames from the broker',
} as const;

/** Every way PROTOCOL.md (`markdown`) differs from `code`; empty when they agree. */
export function docProblems(markdown: string, code: CodeFacts): string[] {
  const problems: string[] = [];
  const read = (title: string, name: string): string[] => {
    const col = documentedColumn(markdown, title, name);
    if ('problem' in col) {
      problems.push(col.problem);
      return [];
    }
    return col.values;
  };

  const version = /^Protocol version: \*\*(\d+)\*\*/m.exec(markdown)?.[1];
  if (Number(version) !== code.version) {
    problems.push(`protocol version: PROTOCOL.md says ${version}, the code ${code.version}`);
  }

  const errors = read(SECTIONS.errors, 'code');
  problems.push(...setProblems('error code', errors, code.errorCodes));
  const broker = read(SECTIONS.errors, 'broker');
  errors.forEach((c, i) => {
    const documented = broker[i] === 'yes';
    if (code.errorCodes.includes(c) && documented !== code.brokerSends.has(c)) {
      const says = documented ? 'sends it' : 'never sends it';
      problems.push(`error code: PROTOCOL.md says the broker ${says}: ${c}`);
    }
  });

  const closeNumbers = read(SECTIONS.close, 'code');
  const closeNames = read(SECTIONS.close, 'name');
  const pairs = closeNumbers.map((n, i) => `${closeNames[i]}=${n}`);
  const codePairs = Object.entries(code.closeCodes).map(([name, n]) => `${name}=${n}`);
  problems.push(...setProblems('close code', pairs, codePairs));

  const standard = read(SECTIONS.standardClose, 'code');
  problems.push(
    ...setProblems('standard close code', standard, code.standardCloseCodes.map(String)),
  );

  problems.push(
    ...setProblems('client frame', read(SECTIONS.clientFrames, 't'), code.clientFrames),
  );
  problems.push(
    ...setProblems('broker frame', read(SECTIONS.serverFrames, 't'), code.serverFrames),
  );

  const clientTable = tableUnder(markdown, SECTIONS.clientFrames);
  const fieldsText = clientTable ? clientTable.rows.map((r) => r.join(' ')).join('\n') : '';
  for (const [field, { type, max }] of Object.entries(code.fieldLimits)) {
    const n = max.toLocaleString('en-US');
    const stated =
      type === 'string'
        ? new RegExp(`${field} string ≤ ${n}(?!,?\\d)`).test(fieldsText)
        : new RegExp(`${field} int \\d+ … ${n}(?!,?\\d)`).test(fieldsText);
    const form = type === 'string' ? `string ≤ ${n}` : `int … ${n}`;
    if (!stated) problems.push(`field limit: PROTOCOL.md does not give ${field} as "${form}"`);
  }
  return problems;
}
