#!/usr/bin/env node
/**
 * npm start: the whole system on this machine. Starts (or reuses) a local Kafka unless KAFKA_BROKERS
 * is set, builds, runs the topics step once (the services wait for their topics, they never create
 * them), runs the four services as separate processes with prefixed logs, waits for /health/ready and
 * prints the desk URL. Ctrl-C stops everything it started.
 *
 * Every node here is process.execPath: under npm that is the pinned Node of the `node` devDependency.
 */
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { join } = require('node:path');
const http = require('node:http');

const root = join(__dirname, '..');
const kafkaScript = join(root, 'scripts/kafka/kafka.sh');
const topicsStep = join(root, 'dist/libs/shared/src/kafka/topics.main.js');
const services = ['conversation', 'routing', 'billing', 'gateway'];
const colors = { conversation: 36, routing: 35, billing: 33, gateway: 32, kafka: 34, topics: 34, start: 37 };
const children = [];
let startedKafka = false;
let stopping = false;

const say = (who, line) => process.stdout.write(`\x1b[${colors[who]}m[${who}]\x1b[0m ${line}\n`);

function prefixLines(who, stream) {
  let buffer = '';
  stream.on('data', (chunk) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) say(who, line);
  });
}

function waitReady(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const probe = () => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health/ready', timeout: 3000 }, (res) => {
        res.resume();
        if (res.statusCode === 200) return resolve();
        retry();
      });
      req.on('error', retry);
      req.on('timeout', () => req.destroy());
    };
    const retry = () => (Date.now() > deadline ? reject(new Error('not ready in time')) : setTimeout(probe, 300));
    probe();
  });
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('start', 'stopping…');
  const stop = (c) =>
    new Promise((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', resolve);
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 10000).unref();
    });
  // The door closes first, so the gateway can still tell routing its desks are gone.
  const [gateway, ...rest] = [...children].reverse();
  if (gateway) await stop(gateway);
  await Promise.all(rest.map(stop));
  if (startedKafka) {
    try {
      execFileSync('bash', [kafkaScript, 'stop'], { stdio: ['ignore', 'pipe', 'pipe'] });
      say('kafka', 'stopped');
    } catch (err) {
      say('kafka', `stop failed: ${err.message}`);
    }
  }
  process.exit(code);
}

async function main() {
  const t0 = Date.now();
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  const env = { ...process.env };
  // Secrets are required unless NODE_ENV says development or test: npm start is development, out loud.
  env.NODE_ENV ||= 'development';
  // One readable line per log entry in a terminal; services log JSON lines otherwise (docs/operations.md).
  env.LOG_FORMAT ||= 'pretty';
  say('start', `NODE_ENV=${env.NODE_ENV} (development and test use printed defaults for unset ADMIN_TOKEN, JWT_SECRET)`);
  if (!env.KAFKA_BROKERS) {
    say('kafka', 'KAFKA_BROKERS unset: starting (or reusing) a local broker on 127.0.0.1:9092');
    const out = execFileSync('bash', [kafkaScript, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    startedKafka = out.startsWith('started');
    say('kafka', out.trim());
    env.KAFKA_BROKERS = '127.0.0.1:9092';
  }
  say('start', 'building…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const topics = spawnSync(process.execPath, [topicsStep], { cwd: root, env, encoding: 'utf8' });
  for (const line of `${topics.stdout}${topics.stderr}`.split('\n').filter(Boolean)) say('topics', line);
  if (topics.status !== 0) throw new Error('the topics step failed');
  for (const service of services) {
    const child = spawn(process.execPath, ['--enable-source-maps', join(root, `dist/apps/${service}/src/main.js`)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    prefixLines(service, child.stdout);
    prefixLines(service, child.stderr);
    child.on('exit', (code, signal) => {
      if (!stopping) {
        say(service, `exited (${signal ?? code}); stopping the others`);
        stopAll(1);
      }
    });
    children.push(child);
  }
  const port = Number(env.PORT || 3000);
  await waitReady(port, 120000);
  say('start', `Pupitre is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  say('start', `desk:    http://localhost:${port}/desk`);
  say('start', `demo:    http://localhost:${port}/demo (a visitor, to try the desk with two tabs)`);
  say('start', `API docs: http://localhost:${port}/docs`);
  say('start', 'Ctrl-C stops everything started here.');
}

main().catch((err) => {
  say('start', `failed: ${err.message}`);
  stopAll(1);
});
