// Attention maps (heatmaps per frame, picking a query by clicking a frame) and window tuning
// (the windows set in the UI travel with the job).
import { expect, expectEqual, log, test, waitFor } from '../lib/harness.mjs';
import { allJobIds, canvasVariety, fillPrompt, go, newJobId } from '../lib/ui.mjs';

async function setTile(page, t, h, w) {
  for (const [axis, v] of [['t', t], ['h', h], ['w', w]]) {
    const input = page.getByLabel(`Tile size (tokens) ${axis}`, { exact: true });
    await input.fill(String(v));
  }
}

test('attention map: capture, heatmaps per frame, pick a query by clicking', async (ctx) => {
  const { page } = ctx;
  await go(page, 'attention');
  await setTile(page, 1, 4, 4);
  await go(page, 'maps');
  await page.getByLabel(/^Step/).fill('1');
  await page.getByRole('button', { name: 'Capture attention' }).click();
  const result = page.getByTestId('attnmap-result');
  await waitFor(async () => (await result.count()) > 0 || (await page.getByRole('alert').count()) > 0, 'the attention map', { timeoutMs: 120_000 });
  const alert = page.getByRole('alert');
  if (await alert.count()) throw new Error(`attention map failed: ${await alert.first().innerText()}`);
  const frames = page.locator('.heat-frame canvas');
  const n = await frames.count();
  log(`heatmaps: ${n} latent frames`);
  expect(n >= 2, `expected one heatmap per latent frame, got ${n}`);
  const variety = await canvasVariety(frames.nth(0));
  expect(variety > 3, `the first frame's heatmap should not be flat (${variety} colours)`);
  const matrix = page.getByRole('img', { name: /Tile-to-tile attention mass/ });
  expect((await canvasVariety(matrix)) > 3, 'the tile mass matrix shows structure');
  const massText = await page.getByTestId('captured-mass').innerText();
  log(massText);

  // Click the middle of frame 1: the query becomes that token and the map is captured again.
  const before = await page.locator('h2', { hasText: 'Per-frame attention of' }).innerText();
  const box = await frames.nth(1).boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await waitFor(async () => {
    const title = await page.locator('h2', { hasText: 'Per-frame attention of' }).innerText();
    return title !== before && title.includes('frame 1') && title;
  }, 'the map of the clicked query');
  await waitFor(async () => (await page.locator('[role="status"]', { hasText: 'Capturing' }).count()) === 0, 'the new capture', { timeoutMs: 120_000 });
  log(await page.locator('h2', { hasText: 'Per-frame attention of' }).innerText());
  await ctx.shot('attention-map');
}, { timeoutMs: 300_000 });

test('attention windows: a rule set in the UI travels with the job', async (ctx) => {
  const { page } = ctx;
  await go(page, 'attention');
  await setTile(page, 1, 4, 4);
  const clear = page.getByRole('button', { name: 'Clear (dense)' });
  if (await clear.isEnabled()) await clear.click();
  expectEqual(await page.getByTestId('sparsity').innerText(), '0.0%', 'dense sparsity');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('Window (tiles) t', { exact: true }).fill('1');
  await page.getByLabel('Window (tiles) h', { exact: true }).fill('1');
  await page.getByLabel('Window (tiles) w', { exact: true }).fill('1');
  const sparsity = await page.getByTestId('sparsity').innerText();
  const speedup = await page.getByTestId('speedup').innerText();
  log(`estimate: ${sparsity} blocks skipped, ${speedup}`);
  expect(sparsity !== '0.0%', 'the estimate shows sparsity once a window is set');
  await ctx.shot('attention-windows');

  await go(page, 'create');
  await fillPrompt(page, 'a blue cube with sparse attention');
  const summary = await page.getByTestId('attention-summary').innerText();
  expect(summary.includes('1 rule'), `the prompt editor shows the active windows: ${summary}`);
  const known = await allJobIds(ctx.server);
  await page.getByTestId('generate').click();
  const id = await newJobId(ctx.server, known);
  const job = await ctx.server.call('queue.get', { id });
  log(`job ${id} attention: ${JSON.stringify(job.params.attention)}`);
  expectEqual(job.params.attention?.tile, [1, 4, 4], 'job tile');
  expectEqual(job.params.attention?.rules?.length, 1, 'job rule count');
  expectEqual(job.params.attention.rules[0].pattern, 'sta', 'job rule pattern');
  expectEqual(job.params.attention.rules[0].window, [1, 1, 1], 'job rule window');
  await waitFor(async () => (await ctx.server.call('queue.get', { id })).state === 'done', 'the sparse job to finish', { timeoutMs: 180_000 });
  // Back to dense for the tests that follow.
  await go(page, 'attention');
  await page.getByRole('button', { name: 'Clear (dense)' }).click();
  await setTile(page, 6, 8, 8);
}, { timeoutMs: 300_000 });
