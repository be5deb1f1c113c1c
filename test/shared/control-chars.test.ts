import { describe, expect, it } from 'vitest';
import { hasControlChars, replaceControlChars } from '../../shared/control-chars.js';

describe('the control-character rule', () => {
  it.each([
    ['\u0000', true],
    ['\u001b[31m', true],
    ['\u001f', true],
    [' ', false],
    ['~', false],
    ['\u007f', true],
    ['\u0085', true],
    ['\u009f', true],
    ['\u00a0', false],
    ['é/ü', false],
  ])('%j has control characters: %s', (text, expected) => {
    expect(hasControlChars(text)).toBe(expected);
  });

  it('replaces every one of them, and nothing else', () => {
    expect(replaceControlChars('a\u0000b\u001b[1m\u009fc d', '?')).toBe('a?b?[1m?c d');
    // Called twice: the global regex keeps no state between calls.
    expect(replaceControlChars('\n\n', '')).toBe('');
    expect(hasControlChars('x\n')).toBe(true);
    expect(hasControlChars('x\n')).toBe(true);
  });
});
