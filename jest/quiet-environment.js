/**
 * Test environment of every jest project: what the code under test prints (Nest's logger, kafkajs
 * through libs/shared/src/kafka/kafka-options.ts) is kept in a buffer per test file instead of
 * filling jest's output. A failing test or hook prints the buffer kept so far, so the
 * services' logs are there exactly when they help. PUPITRE_TEST_LOGS=1 prints them as they come.
 *
 * jest's own output is untouched: its reporters write between test files (or from the parent process
 * when tests run in workers), and `console.*` in a test goes through jest's console, not these streams.
 */
const { TestEnvironment } = require('jest-environment-node');

/** Enough for a failing e2e file's boot and tests; older lines are dropped first. */
const MAX_LINES = 5000;

class QuietEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.lines = [];
    this.restores = [];
    this.printError = (text) => process.stderr.write(text);
  }

  async setup() {
    await super.setup();
    if (process.env.PUPITRE_TEST_LOGS === '1') return;
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write;
      if (stream === process.stderr) this.printError = (text) => write.call(stream, text);
      stream.write = (chunk, encoding, callback) => {
        this.keep(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        const done = typeof encoding === 'function' ? encoding : callback;
        if (done) process.nextTick(done);
        return true;
      };
      this.restores.push(() => (stream.write = write));
    }
  }

  keep(text) {
    for (const line of text.split('\n')) if (line) this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
  }

  flush(what) {
    if (this.restores.length === 0 || this.lines.length === 0) return;
    const header = `\n── ${what} (${this.testPath}): the services' logs so far ──\n`;
    this.printError(`${header}${this.lines.join('\n')}\n── end of logs ──\n\n`);
    this.lines = [];
  }

  handleTestEvent(event) {
    if (event.name === 'test_done' && event.test.errors.length > 0) {
      this.flush(`"${fullName(event.test)}" failed`);
    } else if (event.name === 'hook_failure') {
      this.flush(`${event.hook.type} failed`);
    }
  }

  async teardown() {
    for (const restore of this.restores.splice(0)) restore();
    this.lines = [];
    await super.teardown();
  }
}

function fullName(test) {
  const names = [];
  for (let t = test; t && t.name !== 'ROOT_DESCRIBE_BLOCK'; t = t.parent) names.unshift(t.name);
  return names.join(' › ');
}

module.exports = QuietEnvironment;
