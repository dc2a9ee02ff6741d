import { FakeClock, fakeFetch, settle } from '../test/fakes';
import { PupitreError } from './errors';
import { type FetchLike, Http } from './http';

const sut = (fetch: FetchLike, clock = new FakeClock()) =>
  new Http({ baseUrl: 'http://gateway.test/', fetch, clock, timeoutMs: 1000 });

describe(Http.name, () => {
  it('sends JSON with the bearer token and reads the answer and the renewed token', async () => {
    const { fetch, requests } = fakeFetch(() => ({
      status: 201,
      body: { ok: 1 },
      headers: { 'X-Visitor-Token': 'renewed' },
    }));
    const answer = await sut(fetch).request('POST', '/v1/visitor/messages', 'tok', { text: 'x' });
    expect(answer).toEqual({ status: 201, body: { ok: 1 }, renewedToken: 'renewed' });
    expect(requests[0]).toMatchObject({
      path: '/v1/visitor/messages',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: { text: 'x' },
    });
  });

  it("turns the contract's error body into a PupitreError with its code, status and Retry-After", async () => {
    const { fetch } = fakeFetch(() => ({
      status: 503,
      body: { error: { code: 'UNAVAILABLE', message: 'busy' } },
      headers: { 'Retry-After': '2' },
    }));
    const err = await sut(fetch)
      .request('GET', '/x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PupitreError);
    expect(err).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'busy',
      status: 503,
      retryAfterMs: 2000,
      retryable: true,
    });
  });

  it('names the code from the status when the body is not the contract’s (a proxy page)', async () => {
    const { fetch } = fakeFetch(() => ({ status: 502 }));
    await expect(sut(fetch).request('GET', '/x')).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 502 });
    const { fetch: notFound } = fakeFetch(() => ({ status: 404, body: 'Not Found' }));
    await expect(sut(notFound).request('GET', '/x')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      retryable: false,
    });
  });

  it('is a retryable NETWORK_ERROR when no answer comes, and aborts a request past its timeout', async () => {
    const { fetch: offline } = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    await expect(sut(offline).request('GET', '/x')).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      retryable: true,
    });

    const clock = new FakeClock();
    const hanging: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    const pending = sut(hanging, clock)
      .request('GET', '/x')
      .catch((e: unknown) => e);
    await settle();
    await clock.advance(1000);
    expect(await pending).toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
