import { estimatedWaitSeconds } from './queue-wait';

describe(estimatedWaitSeconds.name, () => {
  it('is position × the time between assignments, in whole seconds', () => {
    expect(estimatedWaitSeconds(1, 12.4)).toBe(12);
    expect(estimatedWaitSeconds(3, 12.4)).toBe(37);
  });

  it('is unknown without a rate', () => {
    expect(estimatedWaitSeconds(2, undefined)).toBeUndefined();
    expect(estimatedWaitSeconds(2, Number.NaN)).toBeUndefined();
  });
});
