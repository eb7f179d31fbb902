// Drives the browser page of delivery-service in real headless Chromium (Debian's), through Playwright:
// start a stream, pause, resume, drop the connection, cancel; then a stream with a reasoning effort and the
// get_weather tool, whose reasoning (collapsed) and call the page shows; saves screenshots; prints one JSON line.
// Usage: node page.mjs <page URL> <screenshot path>
import { chromium } from 'playwright-core';

const [pageUrl, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const seen = {};
try {
  const page = await browser.newPage();
  const tokens = () => page.evaluate(() => window.tokenstream.session.tokens);
  const state = () => page.textContent('#state');
  // page.waitForFunction, with what the page showed when it timed out (its state, tokens and last note).
  const until = async (what, condition, arg, timeout) => {
    try {
      await page.waitForFunction(condition, arg, { timeout });
    } catch (error) {
      const shown = await page.evaluate(() => ({ state: document.getElementById('state').textContent,
        tokens: window.tokenstream.session.tokens, note: document.getElementById('events').textContent }));
      throw new Error(`waiting for ${what}: ${error.message}; the page showed ${JSON.stringify(shown)}`);
    }
  };
  await page.goto(pageUrl);
  await page.fill('#prompt', 'Tell me a long story about a stream processor');
  // sim-default: a long story lasts 12 to 21 s, well past the cancel below even on a loaded machine (sim-fast's
  // 8 s could end first, and the wait for 'cancelled' then timed out on 'completed').
  await page.fill('#model', 'sim-default');
  await page.click('#start');
  await until('10 tokens', () => window.tokenstream.session.tokens >= 10, null, 30000);

  await page.click('#pause');
  await until('paused', () => document.getElementById('state').textContent === 'paused', null, 10000);
  const atPause = await tokens();
  await page.waitForTimeout(1500);
  seen.tokensWhilePaused = (await tokens()) - atPause;

  await page.click('#resume');
  await until('20 tokens after resume', (n) => window.tokenstream.session.tokens > n + 20, atPause, 10000);
  seen.stateAfterResume = await state();

  const beforeDrop = await tokens();
  await page.evaluate(() => window.tokenstream.dropConnection());
  await until('a reconnect and 20 tokens', (n) => window.tokenstream.session.reconnects >= 1
      && window.tokenstream.session.tokens > n + 20, beforeDrop, 15000);

  await page.click('#cancel');
  await until('cancelled', () => document.getElementById('state').textContent === 'cancelled', null, 10000);
  await page.screenshot({ path: screenshot, fullPage: true });
  Object.assign(seen, await page.evaluate(() => ({
    streamId: window.tokenstream.session.id,
    text: window.tokenstream.session.text,
    tokens: window.tokenstream.session.tokens,
    reconnects: window.tokenstream.session.reconnects,
    state: document.getElementById('state').textContent,
    ttft: document.getElementById('ttft').textContent,
    rate: document.getElementById('rate').textContent,
    startDisabled: document.getElementById('start').disabled,
  })));

  await page.fill('#prompt', 'weather in Oslo');
  await page.selectOption('#effort', 'low');
  await page.check('#offerTool');
  await page.click('#start');
  await until('completed', () => document.getElementById('state').textContent === 'completed', null, 30000);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-tools.png'), fullPage: true });
  seen.thinking = await page.evaluate(() => ({
    shown: !document.getElementById('reasoning').hidden,
    open: document.getElementById('reasoning').open,
    reasoning: document.getElementById('reasoningText').textContent,
    toolCalls: [...document.querySelectorAll('#tools li')].map((item) => item.textContent),
    text: window.tokenstream.session.text,
  }));
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
