import { describe, expect, it } from 'vitest';
import { isFencingToken, parseFencingToken } from '../../../client/fencing/index.js';

describe('parseFencingToken', () => {
  it('reads plain decimal positive safe integers', () => {
    expect(parseFencingToken('1')).toBe(1);
    expect(parseFencingToken('1733500000000000')).toBe(1733500000000000);
    expect(parseFencingToken('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses everything else, without throwing', () => {
    const hostile = [
      '',
      '0',
      '00',
      '007',
      '-1',
      '+1',
      ' 1',
      '1 ',
      '1,2',
      '5, 7',
      '1.0',
      '1e3',
      '0x10',
      '１２', // full-width digits
      '١٢', // Arabic-Indic digits
      'NaN',
      'Infinity',
      '9007199254740992',
      '9999999999999999',
      '12345678901234567',
      '1'.repeat(10_000),
      '1\n',
      '1\u0000',
    ];
    for (const text of hostile) expect(parseFencingToken(text), JSON.stringify(text)).toBeNull();
  });
});

describe('isFencingToken', () => {
  it('is true for positive safe integers alone', () => {
    expect([1, 2 ** 40, Number.MAX_SAFE_INTEGER].every(isFencingToken)).toBe(true);
    const not = [0, -1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '1', 1n, null, undefined];
    expect(not.filter(isFencingToken)).toEqual([]);
  });
});
