import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { factory } from '../e2e/support/factories';
import { startSystem, System } from '../e2e/support/system';
import { launchBrowser, type Browser } from './support/browser';

/**
 * A measurement, not a test (`npm run measure:desk`): the time from navigation to the first
 * clickable conversation row of the desk, five cold loads (cache cleared), median. The page records
 * the moment itself (performance.now() when the first row is in the document), so polling adds nothing.
 */
describe('desk: navigation to the first clickable conversation row', () => {
  let sut: System;
  let browser: Browser;

  beforeAll(async () => {
    [sut, browser] = await Promise.all([startSystem(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  it('five cold loads', async () => {
    const agent = await sut.admin.createAgent(factory.agent({ name: 'Measured' }));
    const desk = await sut.desk(agent.token);
    for (const channel of ['mobile_app', 'web_chat'] as const) {
      const { conversationId } = await (await sut.visitor(channel)).say('bonjour');
      await desk.holds(conversationId);
    }
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.page();
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Network.clearBrowserCache');
      await page.addInitScript(`
        sessionStorage.setItem('pupitre.desk.token', ${JSON.stringify(agent.token)});
        new MutationObserver((_, observer) => {
          const row = document.querySelector('button.row');
          if (row && !row.disabled) { window.__firstRow = performance.now(); observer.disconnect(); }
        }).observe(document, { childList: true, subtree: true });
      `);
      await page.goto(`${sut.url}/desk`);
      await page.locator('button.row').first().click();
      runs.push(Number(await page.evaluate('window.__firstRow')));
      await page.close();
    }
    const sorted = [...runs].sort((a, b) => a - b);
    const result = { runsMs: runs.map((r) => Math.round(r)), medianMs: Math.round(sorted[2]) };
    writeFileSync(join(__dirname, '../../dist/desk-first-row.json'), JSON.stringify(result, null, 2));
    process.stdout.write(`desk first clickable row: ${JSON.stringify(result)}\n`);
    expect(runs).toHaveLength(5);
  });
});
