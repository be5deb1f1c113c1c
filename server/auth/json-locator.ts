/**
 * Where things are in a JSON text, for error messages that name a line: the
 * offset of the first syntax error (V8's JSON.parse does not always give
 * one), and the offset of the value at each path (`principals[1].allow[0]`).
 * It reads the text as RFC 8259 JSON, the way JSON.parse does; the values
 * themselves still come from JSON.parse.
 */

/** Offsets of every value by its path, or the offset where the text stops being JSON. */
export interface JsonLocations {
  /** `''` is the whole document; `a.b[2]` a nested value. */
  readonly values: ReadonlyMap<string, number>;
  readonly error: { offset: number; message: string } | null;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Scans `text`; never throws. */
export function locateJson(text: string): JsonLocations {
  const values = new Map<string, number>();
  let i = 0;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(i, message);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c)
      fail(i >= text.length ? `expected '${c}', found the end` : `expected '${c}'`);
    i++;
  };
  const string = (): string => {
    expect('"');
    const start = i;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail('a control character inside a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) {
          fail('a bad escape');
        }
      }
      i++;
    }
    if (i >= text.length) fail('a string that never ends');
    const raw = text.slice(start, i);
    i++;
    return JSON.parse(`"${raw}"`) as string;
  };
  const value = (path: string, depth: number): void => {
    if (depth > 64) fail('nested more than 64 deep');
    space();
    values.set(path, i);
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        const key = string();
        space();
        expect(':');
        value(path ? `${path}.${key}` : key, depth + 1);
        space();
        if (text[i] === '}') return void i++;
        expect(',');
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`, depth + 1);
        space();
        if (text[i] === ']') return void i++;
        expect(',');
      }
    }
    if (c === '"') return void string();
    const word = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 400),
    );
    if (!word) fail(i >= text.length ? 'the text ends where a value should be' : 'not a value');
    i += (word as RegExpExecArray)[0].length;
  };
  try {
    value('', 0);
    space();
    if (i < text.length) fail('text after the end of the document');
    return { values, error: null };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { values, error: { offset: err.offset, message: err.message } };
  }
}

/** `line:column` (both from 1) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}
