/** The time source every rule and service receives; tests provide their own under the CLOCK token. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
