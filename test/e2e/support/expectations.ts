import type { Ack } from './sockets';
import type { Res } from './http';

/** Times are ISO 8601 UTC strings with milliseconds (CONTRACT.md Conventions). */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Exactly `{"error": {"code", "message"}}` with the status the contract gives the code, as JSON. */
export function expectError(res: Res, status: number, code: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message: expect.stringMatching(/\S/) } },
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

/** A refused socket command: `{ok: false, error: {code, message}}` and nothing else. */
export function expectAckError(ack: Ack, code: string): void {
  expect(ack).toEqual({ ok: false, error: { code, message: expect.stringMatching(/\S/) } });
}

/** Byte for byte: the same string, and the same UTF-8 bytes. */
export function expectSameText(actual: string | undefined, expected: string): void {
  expect(actual).toBe(expected); // Object.is: for strings, the same as ===
  expect(Buffer.from(actual ?? '', 'utf8').equals(Buffer.from(expected, 'utf8'))).toBe(true);
}
