import { describe, expect, it } from 'vitest';
import { hostPortValue, parseDuration } from '../../../server/cli/values.js';
import { withoutPassword } from '../../../server/cli/server-config.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30', '', 's', '-1s', '1d', '1 m x', '1e3ms'])(
    'refuses %j, asking for a unit',
    (text) => {
      expect(() => parseDuration(text)).toThrow(
        /is not a duration \(a number and a unit: 500ms, 30s/,
      );
    },
  );
});

describe('a Sentinel address', () => {
  const { fromText } = hostPortValue();

  it('needs a port', () => {
    expect(fromText('s1.example:26379')).toEqual({ host: 's1.example', port: 26379 });
    expect(fromText('[::1]:26379')).toEqual({ host: '::1', port: 26379 });
    expect(fromText(':26379')).toEqual({ host: '127.0.0.1', port: 26379 });
    expect(() => fromText('s1.example')).toThrow(/"s1.example" has no port: give host:port/);
    expect(() => fromText('s1.example:')).toThrow(/has no port/);
    expect(() => fromText('s1.example:0')).toThrow(/port must be an integer from 1 to 65535/);
    expect(() => fromText('s1.example:http')).toThrow(/port must be an integer/);
  });
});

describe('withoutPassword', () => {
  it('masks the password of a URL and leaves other text alone', () => {
    expect(withoutPassword('redis://u:pw@h:6379/0')).toBe('redis://u:****@h:6379/0');
    expect(withoutPassword('redis://:pw@h:6379')).toBe('redis://:****@h:6379');
    expect(withoutPassword('redis://u@h:6379')).toBe('redis://u@h:6379');
    expect(withoutPassword('/etc/baton/key.pem')).toBe('/etc/baton/key.pem');
  });
});
