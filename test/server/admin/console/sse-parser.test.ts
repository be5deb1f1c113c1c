import { describe, expect, test } from 'vitest';

// The console's modules are browser JavaScript, typed in JSDoc for their own
// config (tsconfig.console.json) but not read by this one, so the shape used
// here is restated. This module touches no DOM: Node runs it as it is.
const moduleUrl = new URL('../../../../server/admin/console/sse-parser.js', import.meta.url).href;
const { SseParser } = (await import(moduleUrl)) as {
  SseParser: new (onEvent: (type: string, data: string) => void) => { push(chunk: string): void };
};

function parse(chunks: string[]): [string, string][] {
  const events: [string, string][] = [];
  const parser = new SseParser((type, data) => events.push([type, data]));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

const STREAM =
  ': keep-alive\n\n' +
  'event: update\r\ndata: {"a":\r\ndata:1}\r\n\r\n' +
  'data: plain\rid: 7\r\r' +
  'event: update\ndata\n\n' +
  'event: update\n\n';

const EXPECTED: [string, string][] = [
  ['update', '{"a":\n1}'],
  ['message', 'plain'],
  ['update', ''],
];

describe('SseParser', () => {
  test('reads events, comments, every line ending and empty data', () => {
    expect(parse([STREAM])).toEqual(EXPECTED);
  });

  test('gives the same events however the stream is cut into chunks', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect(parse([STREAM.slice(0, cut), STREAM.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
    expect(parse([...STREAM])).toEqual(EXPECTED);
  });

  test('keeps an unfinished event until its blank line arrives', () => {
    const events: string[] = [];
    const parser = new SseParser((_type, data) => events.push(data));
    parser.push('data: x\n');
    expect(events).toEqual([]);
    parser.push('\n');
    expect(events).toEqual(['x']);
  });
});
