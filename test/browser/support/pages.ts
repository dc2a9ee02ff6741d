import type { Locator, Page } from 'playwright-core';
import { waitFor } from '@pupitre/shared/testing';

const TIMEOUT_MS = 20_000;

/** The agent desk at `/desk`, driven as an agent would: by its labels and roles. */
export class DeskPage {
  /** Every console error and CSP refusal the page reported. */
  readonly problems: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.problems.push(m.text());
    });
    page.on('pageerror', (e) => this.problems.push(e.message));
  }

  async open(url: string, token: string): Promise<void> {
    await this.page.goto(`${url}/desk`);
    await this.page
      .getByLabel('Desk token')
      .waitFor({ timeout: TIMEOUT_MS })
      .catch(async (err: Error) => {
        throw new Error(
          `${err.message}\npage problems: ${this.problems.join('\n')}\n${await this.page.content()}`,
        );
      });
    await this.page.getByLabel('Desk token').fill(token);
    await this.page.getByRole('button', { name: 'Open the desk' }).click();
    await this.connected();
  }

  /** Connected, with `desk.state` applied (the slot counters show). */
  async connected(): Promise<void> {
    await this.page.locator('[data-slots="chat"]').waitFor({ timeout: TIMEOUT_MS });
    await this.page.locator('.banner').waitFor({ state: 'detached', timeout: TIMEOUT_MS });
  }

  row(conversationId: string): Locator {
    return this.page.locator(`button.row[data-conversation-id="${conversationId}"]`);
  }

  /** Waits for the row of this conversation (its arrival) and opens it. */
  async openConversation(conversationId: string): Promise<void> {
    await this.row(conversationId).waitFor({ timeout: TIMEOUT_MS });
    await this.row(conversationId).click();
    await this.page.locator('#composer-text').waitFor({ timeout: TIMEOUT_MS });
  }

  /** The conversation whose row appears first (for visitors started from the demo page). */
  async firstConversationId(): Promise<string> {
    const row = this.page.locator('button.row').first();
    await row.waitFor({ timeout: TIMEOUT_MS });
    return (await row.getAttribute('data-conversation-id'))!;
  }

  get thread(): Locator {
    return this.page.locator('main.thread');
  }

  button(name: string | RegExp): Locator {
    return this.page.getByRole('button', { name, exact: typeof name === 'string' });
  }

  async type(text: string): Promise<void> {
    await this.page.locator('#composer-text').fill(text);
  }

  async send(text: string): Promise<void> {
    await this.type(text);
    await this.page.locator('#composer-text').press('Enter');
    await this.message(text).waitFor({ timeout: TIMEOUT_MS });
  }

  message(text: string): Locator {
    return this.thread.locator('li.msg .text', { hasText: text });
  }

  /** Confirms the open dialog with its button named `name`. */
  async confirm(name: string): Promise<void> {
    const dialog = this.page.getByRole('dialog');
    await dialog.getByRole('button', { name, exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
  }

  async textOf(selector: string): Promise<string> {
    return (await this.page.locator(selector).textContent({ timeout: TIMEOUT_MS })) ?? '';
  }
}

/** The demo visitor at `/demo`. */
export class DemoPage {
  constructor(readonly page: Page) {}

  async start(url: string, o: { channel?: 'mobile_app' | 'web_chat'; name?: string } = {}): Promise<void> {
    await this.page.goto(`${url}/demo`);
    if (o.channel === 'web_chat') await this.page.getByLabel('Web chat').check();
    if (o.name) await this.page.getByLabel('Your name').fill(o.name);
    await this.page.getByRole('button', { name: 'Start chatting' }).click();
    await this.page.locator('.conn[data-state="connected"]').waitFor({ timeout: TIMEOUT_MS });
  }

  async say(text: string): Promise<void> {
    await this.page.getByLabel('Your message').fill(text);
    await this.page.getByRole('button', { name: 'Send' }).click();
    await this.bubble('visitor', text).waitFor({ timeout: TIMEOUT_MS });
  }

  bubble(author: 'visitor' | 'agent', text: string): Locator {
    return this.page.locator(`li.bubble[data-author="${author}"]`, { hasText: text });
  }

  closedNotice(): Locator {
    return this.page.locator('li.closed');
  }
}

/** Polls a page value (no fixed sleeps). */
export const eventually = <T>(what: string, fn: () => Promise<T | false | null | undefined>) =>
  waitFor(fn, { what, timeoutMs: TIMEOUT_MS, intervalMs: 100 });
