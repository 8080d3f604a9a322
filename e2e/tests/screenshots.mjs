// One screenshot of every surface in the light and the dark theme (e2e/artifacts/), with data
// from the earlier tests on screen.
import { expectEqual, test } from '../lib/harness.mjs';
import { go } from '../lib/ui.mjs';

const SURFACES = ['create', 'attention', 'maps', 'queue', 'gallery', 'models', 'settings'];

async function setTile(page, t, h, w) {
  for (const [axis, v] of [['t', t], ['h', h], ['w', w]]) await page.getByLabel(`Tile size (tokens) ${axis}`, { exact: true }).fill(String(v));
}

test('screenshots of every surface, light and dark', async (ctx) => {
  const { page } = ctx;
  // Something worth looking at: small tiles, a sliding window from step 2, a map captured with it.
  await go(page, 'attention');
  await setTile(page, 1, 4, 4);
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('Window (tiles) t', { exact: true }).fill('3');
  await page.getByLabel('Window (tiles) h', { exact: true }).fill('1');
  await page.getByLabel('Window (tiles) w', { exact: true }).fill('1');
  await go(page, 'maps');
  await page.getByLabel(/^Step/).fill('3');
  await page.getByLabel(/^Layer/).fill('1');
  await page.getByLabel(/^Head/).fill('2');
  await page.getByRole('button', { name: 'Capture attention' }).click();
  await page.getByTestId('attnmap-result').waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => !document.querySelector('.banner--info[role="status"]'), null, { timeout: 120_000 });
  for (const theme of ['light', 'dark']) {
    await go(page, 'settings');
    await page.getByLabel('Theme', { exact: true }).selectOption(theme);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    expectEqual((await ctx.server.call('settings.get')).theme, theme, 'the theme setting is saved by the app');
    for (const s of SURFACES) {
      await go(page, s);
      if (s === 'gallery' && (await page.locator('.card').count())) await page.locator('.card').first().click();
      await page.waitForTimeout(400);
      await ctx.shot(`${s}-${theme}`);
    }
  }
  await go(page, 'settings');
  await page.getByLabel('Theme', { exact: true }).selectOption('system');
  await go(page, 'attention');
  await page.getByRole('button', { name: 'Clear (dense)' }).click();
  await setTile(page, 6, 8, 8);
}, { timeoutMs: 300_000 });
