// One screenshot of every surface in the light and the dark theme (e2e/artifacts/), with data
// from the earlier tests on screen.
import { expect, test } from '../lib/harness.mjs';
import { go } from '../lib/ui.mjs';

const SURFACES = ['create', 'attention', 'maps', 'queue', 'gallery', 'models', 'settings'];

test('screenshots of every surface, light and dark', async (ctx) => {
  const { page } = ctx;
  for (const theme of ['light', 'dark']) {
    await go(page, 'settings');
    await page.getByLabel('Theme', { exact: true }).selectOption(theme);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    for (const s of SURFACES) {
      await go(page, s);
      if (s === 'gallery' && (await page.locator('.card').count())) await page.locator('.card').first().click();
      if (s === 'maps' && (await page.getByTestId('attnmap-result').count()) === 0) {
        await page.getByRole('button', { name: 'Capture attention' }).click();
        await page.getByTestId('attnmap-result').waitFor({ timeout: 120_000 });
      }
      await page.waitForTimeout(400);
      await ctx.shot(`${s}-${theme}`);
    }
  }
  await go(page, 'settings');
  await page.getByLabel('Theme', { exact: true }).selectOption('system');
  expect(true, '');
}, { timeoutMs: 300_000 });
