import { sessionName, sessionOptions } from './session-options';

describe(sessionOptions.name, () => {
  it('bounds every session by default and sets keepalives on both ends', () => {
    const sut = sessionOptions('routing');
    expect(sut).toMatchObject({
      statement_timeout: 30_000,
      lock_timeout: 10_000,
      idle_in_transaction_session_timeout: 10_000,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'pupitre-routing',
    });
    expect(sut.options).toBe(
      '-c search_path=routing -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=3 -c tcp_keepalives_count=3',
    );
  });

  it('takes the configured values, 0 disabling a timeout, and extra server settings', () => {
    const sut = sessionOptions(
      'billing',
      { DATABASE_STATEMENT_TIMEOUT_MS: 0, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 1500 },
      { idle_session_timeout: 5000 },
    );
    expect(sut.statement_timeout).toBeUndefined();
    expect(sut.idle_in_transaction_session_timeout).toBe(1500);
    expect(sut.options).toContain('-c idle_session_timeout=5000');
  });
});

describe(sessionName.name, () => {
  it("names a service's sessions after its schema, and a session with a role of its own after both", () => {
    expect(sessionName('conversation')).toBe('pupitre-conversation');
    expect(sessionName('conversation', 'relay')).toBe('pupitre-conversation-relay');
  });
});
