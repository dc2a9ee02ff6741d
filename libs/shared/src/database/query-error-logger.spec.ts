import { QueryErrorLogger } from './query-error-logger';

describe(QueryErrorLogger.name, () => {
  const lines: [string, object, string][] = [];
  const sut = new QueryErrorLogger({
    debug: (fields, message) => lines.push(['debug', fields, message]),
    info: (fields, message) => lines.push(['info', fields, message]),
    warn: (fields, message) => lines.push(['warn', fields, message]),
  });
  beforeEach(() => (lines.length = 0));

  const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

  it("logs a failed statement's text, code and message, never its parameters", () => {
    sut.logQueryError(
      failure('22001', 'value too long for type character varying(20)'),
      'INSERT INTO visitors (id, name)\n      VALUES ($1, $2)',
      ['7b0c…', 'Ada Lovelace, who wrote something private'],
    );

    expect(lines).toEqual([
      [
        'warn',
        { code: '22001', query: 'INSERT INTO visitors (id, name) VALUES ($1, $2)' },
        'statement failed: value too long for type character varying(20)',
      ],
    ]);
    expect(JSON.stringify(lines)).not.toContain('Ada');
  });

  it("logs a unique violation at debug: its callers handle it (a redelivered request's inbox row)", () => {
    sut.logQueryError(
      failure('23505', 'duplicate key value violates unique constraint "inbox_pkey"'),
      'INSERT',
    );

    expect(lines.map(([level]) => level)).toEqual(['debug']);
  });

  it('cuts a long statement to one line of 300 characters', () => {
    sut.logQueryError('failed', `SELECT ${'x, '.repeat(400)}1`);

    const [[, fields]] = lines;
    expect((fields as { query: string }).query).toHaveLength(300);
  });

  it('logs migrations at info', () => {
    sut.logMigration('2 migrations are new migrations must be executed');

    expect(lines).toEqual([['info', {}, '2 migrations are new migrations must be executed']]);
  });
});
