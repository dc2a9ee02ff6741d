import { isRetry } from './attempt';

describe(isRetry.name, () => {
  it('a client says a request is a retry with X-Attempt of 2 or more', () => {
    expect(isRetry({ 'x-attempt': '2' })).toBe(true);
    expect(isRetry({ 'x-attempt': ' 17 ' })).toBe(true);
  });

  it('anything else is a first try: none, 1, 0, not a whole number, too long', () => {
    for (const given of [undefined, '1', '0', '', 'two', '2.5', '-3', '1e3', '1234567890'])
      expect(isRetry(given === undefined ? {} : { 'x-attempt': given })).toBe(false);
  });
});
