import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import type { Message } from '@pupitre/shared';
import { startSystem, type System } from '../e2e/support/system';

const ROOT = join(__dirname, '..', '..');
const SDK = join(ROOT, 'libs', 'sdk');
/** Debian's chromium; CHROMIUM_PATH overrides it. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The page: the ESM build of the SDK, socket.io-client through an import map, nothing else. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@pupitre/sdk in a browser</title>
<script type="importmap">{"imports": {"socket.io-client": "/socket.io-client.js"}}</script>
<script type="module">
  import { createClient, webStorage } from '/sdk/index.js';
  window.chat = async (baseUrl, text) => {
    const client = createClient({ baseUrl, channel: 'web_chat', platform: 'web', storage: webStorage() });
    const shown = [];
    client.on('message', (m) => shown.push(m));
    await client.start();
    const entry = await client.send(text);
    const settled = await client.settled(entry.clientMessageId);
    const deadline = Date.now() + 20000;
    while (!shown.some((m) => m.id === settled.messageId) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await client.stop();
    return { visitorId: client.visitorId, settled, shown, stored: Object.keys(localStorage).sort() };
  };
  window.ready = true;
</script>`;

/**
 * The issue asks for proof that the SDK runs in a browser (React Native cannot run here): its ESM
 * build, loaded by headless chromium from another origin than the gateway, registers a web chat
 * visitor, sends a message over fetch and hears it back on the socket; a reload resumes the visitor
 * from localStorage.
 */
describe('@pupitre/sdk in a browser (e2e)', () => {
  let system: System;
  let server: Server;
  let pageUrl: string;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH))
      throw new Error(`No browser at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
    // The artefact a web app would install: dist/index.js, as `npm run sdk:build` makes it.
    execFileSync('npm', ['run', '--silent', 'sdk:build'], { cwd: ROOT, stdio: 'pipe' });
    const files: Record<string, { path: string; type: string }> = {
      '/sdk/index.js': { path: join(SDK, 'dist', 'index.js'), type: 'text/javascript' },
      '/socket.io-client.js': {
        path: join(ROOT, 'node_modules', 'socket.io-client', 'dist', 'socket.io.esm.min.js'),
        type: 'text/javascript',
      },
    };
    server = createServer((req, res) => {
      const file = files[req.url ?? ''];
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else if (file) res.writeHead(200, { 'content-type': file.type }).end(readFileSync(file.path));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    system = await startSystem();
    profile = mkdtempSync(join(tmpdir(), 'pupitre-sdk-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      // CI runs as root, where Chromium's sandbox cannot start; nothing outside this machine is reached.
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await system?.stop();
  });

  it('registers, sends a message and hears it back; a reload resumes the same visitor from localStorage', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(pageUrl);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);

    type Result = {
      visitorId: string;
      settled: { state: string; messageId: string; conversationId: string; clientMessageId: string };
      shown: Message[];
      stored: string[];
    };
    const chat = (text: string) =>
      page.evaluate(
        ([baseUrl, t]) =>
          (globalThis as unknown as { chat(b: string, t: string): Promise<unknown> }).chat(baseUrl, t),
        [system.url, text] as const,
      ) as Promise<Result>;

    const first = await chat('Bonjour depuis le navigateur 👋');
    expect(first.settled.state).toBe('sent');
    expect(first.shown.map((m) => m.text)).toEqual(['Bonjour depuis le navigateur 👋']);
    expect(first.stored).toEqual(['pupitre.cursors', 'pupitre.visitor']);

    await page.reload();
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
    const second = await chat('encore moi');
    expect(second.visitorId).toBe(first.visitorId);
    expect(second.settled.conversationId).toBe(first.settled.conversationId);
    // A new page run: the socket's resync starts after the stored cursor, so only the new message.
    expect(second.shown.map((m) => m.text)).toEqual(['encore moi']);
    expect(errors).toEqual([]);
  });

  it('lets a page on another origin read Retry-After and the renewed token (so the SDK honours them there too)', async () => {
    const res = await system.http('GET', '/v1/visitor/conversations', {
      headers: { origin: 'http://app.example' },
    });
    expect(res.status).toBe(401);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'x-visitor-token']));
  });
});
