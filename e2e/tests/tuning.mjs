// Calibration proposes windows from the engine's measured errors; A/B runs two settings on the
// same seed side by side.
import fs from 'node:fs';
import { expect, expectEqual, log, test, waitFor } from '../lib/harness.mjs';
import { allJobIds, fillPrompt, go, lockSeed } from '../lib/ui.mjs';

// Layers x heads of the built-in model the server runs (assets/demo-model/config.json).
const demoConfig = JSON.parse(fs.readFileSync(new URL('../../assets/demo-model/config.json', import.meta.url), 'utf8'));

async function setTile(page, t, h, w) {
  for (const [axis, v] of [['t', t], ['h', h], ['w', w]]) await page.getByLabel(`Tile size (tokens) ${axis}`, { exact: true }).fill(String(v));
}

test('calibrate: the engine measures candidate windows and the UI adopts them', async (ctx) => {
  const { page } = ctx;
  await go(page, 'create');
  await fillPrompt(page, 'calibration run');
  await go(page, 'attention');
  await setTile(page, 1, 4, 4);
  await page.getByLabel('Candidate windows (t,h,w in tiles; separated by ;)').fill('1,1,1; 3,1,1; 1,2,2');
  await page.getByLabel('Dense first steps').fill('2');
  await page.getByRole('button', { name: 'Calibrate' }).click();
  const result = page.getByTestId('calibration-result');
  await waitFor(async () => (await result.count()) > 0 || (await page.getByRole('alert').filter({ hasText: 'Calibration failed' }).count()) > 0, 'the calibration', { timeoutMs: 180_000 });
  const failed = page.getByRole('alert').filter({ hasText: 'Calibration failed' });
  if (await failed.count()) throw new Error(await failed.innerText());
  const summary = (await result.innerText()).split('\n')[0];
  log(summary);
  const cells = await result.locator('td').count();
  expectEqual(cells, demoConfig.num_layers * demoConfig.num_heads, 'one proposed window per layer and head of the demo model');
  await ctx.shot('attention-calibrated');
  await result.getByRole('button', { name: 'Use these windows' }).click();
  const mode = await page.locator('.badge', { hasText: 'calibrated' }).count();
  expect(mode > 0, 'the config is marked calibrated');
  const rules = Number((await page.locator('h3', { hasText: 'Rules (' }).innerText()).match(/\d+/)[0]);
  log(`adopted ${rules} rules`);
  expect(rules >= 4, `calibrated rules cover every layer/head (${rules})`);
  expect((await page.getByTestId('sparsity').innerText()) !== '0.0%', 'the estimate shows the calibrated sparsity');
}, { timeoutMs: 300_000 });

test('A/B: two windows, same seed, side by side', async (ctx) => {
  const { page } = ctx;
  await go(page, 'create');
  await fillPrompt(page, 'a/b comparison');
  await lockSeed(page, 4321);
  await go(page, 'attention');
  // B: the current windows, made sparse here so the test stands alone.
  await setTile(page, 1, 4, 4);
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('Window (tiles) t', { exact: true }).first().fill('1');
  await page.getByLabel('Setting A').selectOption('dense');
  await page.getByLabel('Setting B').selectOption('current');
  const known = await allJobIds(ctx.server);
  await page.getByRole('button', { name: /^Run A\/B/ }).click();
  for (const side of ['a', 'b']) {
    await waitFor(async () => (await page.getByTestId(`ab-${side}`).locator('video[aria-label$="result"]').count()) > 0, `result ${side.toUpperCase()}`, { timeoutMs: 180_000 });
  }
  const jobs = (await ctx.server.call('queue.list')).jobs.filter((j) => !known.has(j.id));
  expectEqual(jobs.length, 2, 'two A/B jobs');
  expectEqual(jobs.map((j) => j.params.seed), [4321, 4321], 'both on the same seed');
  const withRules = jobs.filter((j) => (j.params.attention?.rules?.length ?? 0) > 0).length;
  expectEqual(withRules, 1, 'one side sparse, one dense');
  const region = page.getByRole('region', { name: 'A/B comparison' });
  await region.scrollIntoViewIfNeeded();
  await region.screenshot({ path: `${ctx.artifacts}/attention-ab.png` });
  // Leave dense attention for what follows.
  await page.getByRole('button', { name: 'Clear (dense)' }).click();
  await setTile(page, 6, 8, 8);
}, { timeoutMs: 300_000 });
