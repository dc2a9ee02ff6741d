import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { CreatedAgent, System } from '../e2e/support/system';
import { startSystem } from '../e2e/support/system';
import { factory } from '../e2e/support/factories';
import { launchBrowser, type Browser } from './support/browser';
import { DemoPage, DeskPage, eventually } from './support/pages';

jest.setTimeout(120_000);

const AXE = readFileSync(join(__dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = process.env.PUPITRE_SCREENSHOTS ? join(__dirname, '../../docs/screenshots') : null;

/** Evaluates an expression in the page (a string: these tests compile without the DOM's types). */
const inPage = (page: Page, expression: string): Promise<unknown> => page.evaluate(expression);

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * Issue 10: the desk and the demo page in a real browser (Debian's chromium, headless) against the
 * whole system, as an agent and a visitor would use them.
 */
describe('the desk in a browser', () => {
  let sut: System;
  let browser: Browser;
  const opened: { page: Page; agentId: string | null }[] = [];

  beforeAll(async () => {
    [sut, browser] = await Promise.all([startSystem(), launchBrowser()]);
  });
  afterEach(async () => {
    // Agents whose desk was a browser tab go offline before the next test, like the sockets reset closes.
    const closing = opened.splice(0);
    for (const { page } of closing) await page.close();
    const agents = closing.map((o) => o.agentId).filter((id): id is string => id !== null);
    await Promise.all(agents.map((id) => sut.admin.waitStatus(id, 'offline')));
    await sut.reset();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  async function deskOf(
    input = factory.agent(),
    beforeOpen: (page: Page) => Promise<void> = async () => undefined,
  ): Promise<{ agent: CreatedAgent; desk: DeskPage }> {
    const agent = await sut.admin.createAgent(input);
    const page = await browser.page();
    opened.push({ page, agentId: agent.id });
    await beforeOpen(page);
    const desk = new DeskPage(page);
    await desk.open(sut.url, agent.token);
    return { agent, desk };
  }

  async function demo(o: Parameters<DemoPage['start']>[1] = {}): Promise<DemoPage> {
    const page = await browser.page({ width: 420, height: 780 });
    opened.push({ page, agentId: null });
    const d = new DemoPage(page);
    await d.start(sut.url, o);
    return d;
  }

  it('a mobile conversation arrives with the mobile icon in the list and beside the avatar, and no transfer (R1, R3)', async () => {
    const { agent, desk } = await deskOf(factory.agent({ name: 'Mobile Agent' }));
    const visitor = await sut.visitor('mobile_app', { name: 'Camille' });
    const { conversationId } = await visitor.say('Bonjour, ma commande ?');

    const row = desk.row(conversationId);
    await row.waitFor();
    expect(await row.locator('[data-channel-icon="mobile"]').getAttribute('aria-label')).toBe('Mobile app');
    expect(await row.textContent()).toContain('Bonjour, ma commande ?');
    await desk.openConversation(conversationId);
    await desk.thread.locator('.avatar-wrap [data-channel-icon="mobile"]').waitFor();
    expect(await desk.thread.locator('.who .name').textContent()).toBe('Camille');
    // R3: no transfer on mobile; R2's tools are there.
    expect(await desk.button('Transfer…').count()).toBe(0);
    expect(await desk.button('Block visitor…').count()).toBe(1);
    expect(await desk.button('Emoji').count()).toBe(1);
    expect(await desk.button('Canned responses').count()).toBe(1);
    await shot(desk.page, 'desk-thread');
    // Available / away, as routing sees it.
    await desk.page.getByLabel('Status').selectOption('away');
    await sut.admin.waitStatus(agent.id, 'away');
    await desk.page.getByLabel('Status').selectOption('available');
    await sut.admin.waitStatus(agent.id, 'available');
    expect(desk.problems).toEqual([]);
  });

  it('an emoji from the picker and a canned response reach the demo page (R2)', async () => {
    const canned = await sut.admin.createCanned({ title: 'Délai', text: 'Votre colis arrive demain.' });
    const { desk } = await deskOf();
    const visitor = await demo({ name: 'Léa' });
    await visitor.say('Où est mon colis ?');
    const conversationId = await desk.firstConversationId();
    await desk.openConversation(conversationId);

    await desk.type('Bonjour ');
    await desk.button('Emoji').click();
    const picker = desk.page.getByRole('dialog', { name: 'Emoji picker' });
    await picker.getByLabel('Search emoji').fill('wave');
    await shot(desk.page, 'desk-emoji-picker');
    await picker.getByRole('button', { name: 'wave hello bye' }).click();
    expect(await desk.page.locator('#composer-text').inputValue()).toBe('Bonjour 👋');
    await desk.page.locator('#composer-text').press('Enter');
    await visitor.bubble('agent', 'Bonjour 👋').waitFor();

    await desk.button('Canned responses').click();
    await desk.page
      .getByRole('dialog', { name: 'Canned responses' })
      .getByRole('button', { name: /Délai/ })
      .click();
    await visitor.bubble('agent', canned.text).waitFor();
    await desk.message(canned.text).waitFor();
    await shot(visitor.page, 'demo-page');
  });

  it('adds and removes a tag (R2)', async () => {
    const { desk } = await deskOf();
    const { conversationId } = await (await sut.visitor('mobile_app')).say('tag me');
    await desk.openConversation(conversationId);
    await desk.page.getByLabel('New tag').fill('vip');
    await desk.button('Add tag').click();
    const tags = desk.page.getByRole('list', { name: 'Tags of this conversation' });
    await tags.getByText('vip').waitFor();
    await desk.button('Remove tag vip').click();
    await tags.getByText('No tag').waitFor();
  });

  it('release ("Fermer") says what happens, then the conversation leaves the desk and waits (R6, R8)', async () => {
    const { agent, desk } = await deskOf();
    const visitor = await demo();
    await visitor.say('Merci, je reviens plus tard');
    const conversationId = await desk.firstConversationId();
    await desk.openConversation(conversationId);
    await desk.send('Très bien, à plus tard !');
    await desk.button('Release (Fermer)').click();
    const dialog = desk.page.getByRole('dialog', { name: 'Release this conversation?' });
    expect(await dialog.textContent()).toContain('You wrote last, so it waits with no agent');
    await desk.confirm('Release');
    await desk.row(conversationId).waitFor({ state: 'detached' });
    await eventually(
      'the mobile slot freed',
      async () => (await sut.admin.agent(agent.id)).slots.mobile.used === 0,
    );
    expect(await desk.textOf('[data-slots="mobile"] dd')).toBe('0/2');
  });

  it('close for good says what happens and the demo page shows the close (R12)', async () => {
    const { desk } = await deskOf();
    const visitor = await demo();
    await visitor.say('Une question');
    const conversationId = await desk.firstConversationId();
    await desk.openConversation(conversationId);
    await desk.button('Close for good').click();
    const dialog = desk.page.getByRole('dialog', { name: 'Close this conversation for good?' });
    expect(await dialog.textContent()).toContain('starts a new conversation');
    await desk.confirm('Close for good');
    await desk.row(conversationId).waitFor({ state: 'detached' });
    expect(await visitor.closedNotice().textContent()).toContain('The agent closed the conversation');
  });

  it('block asks for confirmation, closes the conversation and refuses the visitor (R2)', async () => {
    const { desk } = await deskOf();
    const visitor = await demo();
    await visitor.say('spam spam spam');
    const conversationId = await desk.firstConversationId();
    await desk.openConversation(conversationId);
    await desk.button('Block visitor…').click();
    await desk.page
      .getByRole('dialog', { name: 'Block this visitor?' })
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect(await desk.row(conversationId).count()).toBe(1);
    await desk.button('Block visitor…').click();
    await desk.confirm('Block visitor');
    await desk.row(conversationId).waitFor({ state: 'detached' });
    await visitor.closedNotice().getByText('You can no longer write to us.').waitFor();
  });

  it('transfer on web chat offers only agents with a free chat slot, from agents.transferTargets (R3)', async () => {
    const { desk } = await deskOf(factory.agent({ name: 'Alice' }));
    const visitor = await sut.visitor('web_chat', { name: 'Noor' });
    const { conversationId } = await visitor.say('مرحبا، أحتاج مساعدة');
    await desk.openConversation(conversationId);
    // Right-to-left text keeps its direction.
    expect(await desk.message('مرحبا').getAttribute('dir')).toBe('auto');
    expect(
      await inPage(desk.page, `getComputedStyle(document.querySelector('li.msg .text')).direction`),
    ).toBe('rtl');
    const { agent: bob, desk: bobDesk } = await sut.agentAtDesk(factory.agent({ name: 'Bob' }));
    await sut.agentAtDesk(factory.agent({ name: 'Full', chatCapacity: 0 }));

    await desk.button('Transfer…').click();
    const dialog = desk.page.getByRole('dialog', { name: 'Transfer to another agent' });
    await dialog.getByRole('radio', { name: 'Bob' }).waitFor();
    expect(await dialog.getByRole('radio').count()).toBe(1);
    await shot(desk.page, 'desk-transfer');
    await desk.confirm('Transfer');
    await desk.row(conversationId).waitFor({ state: 'detached' });
    await bobDesk.holds(conversationId);
    expect(bobDesk.agentId).toBe(bob.id);
  });

  it('keeps unread counts, shows a notice and a title badge, and redraws only the row that changed', async () => {
    const { desk } = await deskOf(factory.agent({ name: 'Desk Owner' }));
    const first = await (await sut.visitor('web_chat', { name: 'First' })).say('one');
    await desk.openConversation(first.conversationId);
    const second = await sut.visitor('mobile_app', { name: 'Second' });
    const { conversationId } = await second.say('two');
    await desk.page.locator('.notice', { hasText: 'New mobile app conversation: Second' }).waitFor();
    await desk.row(conversationId).locator('[data-unread="1"]').waitFor();
    await eventually('the title badge', async () => (await desk.page.title()).startsWith('(1)'));
    await shot(desk.page, 'desk-list');

    // Watch the first row: a message to the second conversation must not touch it.
    const row = `document.querySelector('button.row[data-conversation-id="${first.conversationId}"]')`;
    await inPage(desk.page, `window.watched = ${row}`);
    await second.say('three');
    await desk.row(conversationId).locator('[data-unread="2"]').waitFor();
    // The same element, with its last message unchanged (countdowns tick in their own text nodes).
    const untouched = await inPage(
      desk.page,
      `({ same: window.watched === ${row}, text: ${row}.querySelector('.last').textContent })`,
    );
    expect(untouched).toEqual({ same: true, text: 'one' });

    // Keyboard alone: Alt+↓ moves to the next conversation, which marks it read; / focuses the composer.
    await desk.page.locator('body').press('Alt+ArrowDown');
    await eventually(
      'the second row selected',
      async () => (await desk.row(conversationId).getAttribute('aria-current')) === 'true',
    );
    await desk.row(conversationId).locator('[data-unread]').waitFor({ state: 'detached' });
    await eventually('no title badge', async () => !(await desk.page.title()).startsWith('('));
    await desk.row(conversationId).press('/');
    expect(await inPage(desk.page, 'document.activeElement.id')).toBe('composer-text');
  });

  it('loads messages older than the latest 50 through conversation.history', async () => {
    // Written while no agent is there: the desk gets the conversation with its latest 50 messages.
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('message 1');
    for (let i = 2; i <= 55; i++) await visitor.say(`message ${i}`);
    const { desk } = await deskOf();
    await desk.openConversation(conversationId);
    await desk.message('message 55').waitFor();
    expect(await desk.thread.locator('li.msg').count()).toBe(50);
    await desk.button('Load older messages').click();
    await desk.thread.locator('li.msg .text', { hasText: /^message 1$/ }).waitFor();
    expect(await desk.thread.locator('li.msg').count()).toBe(55);
    expect(await desk.button('Load older messages').count()).toBe(0);
  });

  it('recovers after the gateway restarts, resynced from desk.state', async () => {
    const { desk } = await deskOf();
    const visitor = await sut.visitor('mobile_app');
    const { conversationId } = await visitor.say('avant');
    await desk.openConversation(conversationId);
    await sut.gateway.stop();
    await desk.page.locator('.banner[data-phase="reconnecting"]').waitFor();
    await sut.gateway.start();
    await desk.connected();
    await visitor.say('après le redémarrage');
    await desk.message('après le redémarrage').waitFor();
    await desk.send('Bien reçu');
    expect(await desk.row(conversationId).count()).toBe(1);
  });

  it('renews its token through POST /v1/agent/token half-way through its life and connects with the new one', async () => {
    // The page's clock is Playwright's: five hours pass in an instant (AGENT_TOKEN_TTL_MS is 10 h).
    const { desk } = await deskOf(factory.agent(), (page) => page.clock.install());
    const handshakes: string[] = [];
    desk.page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        if (String(payload).startsWith('40/desk,')) handshakes.push(String(payload));
      }),
    );
    const renewal = desk.page.waitForResponse(
      (r) => r.url().endsWith('/v1/agent/token') && r.request().method() === 'POST',
    );
    await desk.page.clock.fastForward('05:01:00');
    const response = await renewal;
    expect(response.status()).toBe(201);
    const { token } = (await response.json()) as { token: string };
    await eventually(
      'the new token kept in sessionStorage',
      async () => (await inPage(desk.page, `sessionStorage.getItem('pupitre.desk.token')`)) === token,
    );

    await sut.gateway.stop();
    await sut.gateway.start();
    await desk.connected();
    await eventually('a handshake after the restart', async () => handshakes.length > 0);
    expect(handshakes[handshakes.length - 1]).toContain(token);
  });

  it('has no serious or critical accessibility violation (axe-core), under a strict CSP', async () => {
    const { desk } = await deskOf();
    const canned = await sut.admin.createCanned();
    const { conversationId } = await (await sut.visitor('web_chat', { name: 'Axe' })).say('hello');
    await desk.openConversation(conversationId);
    const response = await desk.page.request.get(`${sut.url}/desk`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    // axe is evaluated through the DevTools protocol: the page's CSP (no inline script) stays on.
    await desk.page.evaluate(AXE);
    const scan = async (what: string) => {
      const violations = await inPage(
        desk.page,
        `axe.run().then((r) => r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
      );
      expect({ what, violations }).toEqual({ what, violations: [] });
    };
    await scan('desk with a conversation open');
    await desk.button('Emoji').click();
    await scan('emoji picker open');
    await desk.button('Canned responses').click();
    await desk.page.getByRole('button', { name: new RegExp(canned.title) }).waitFor();
    await scan('canned picker open');
    await desk.page.keyboard.press('Escape');
    await desk.button('Transfer…').click();
    await desk.page
      .getByRole('dialog')
      .getByText(/No agent can take it now|Bob/)
      .waitFor();
    await scan('transfer dialog open');
    expect(desk.problems).toEqual([]);
  });
});
