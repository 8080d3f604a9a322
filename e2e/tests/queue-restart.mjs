// Queue three jobs, kill the server (and its engine) during the first, start it again: the first
// comes back "interrupted" (never restarted on its own), the other two are still queued and then
// finish.
import { expect, expectEqual, log, test, waitFor } from '../lib/harness.mjs';
import { go, jobStates, resetToDefaults, setNumber } from '../lib/ui.mjs';

test('queue survives a crash: interrupted, queued, then done', async (ctx) => {
  let page = ctx.page;
  await go(page, 'create');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('three jobs and a crash');
  await setNumber(page, 'Steps', 24);
  await go(page, 'queue');
  const clear = page.getByRole('button', { name: 'Clear finished' });
  if (await clear.isEnabled()) await clear.click();
  await page.getByRole('button', { name: 'List', exact: true }).click();
  await page.getByLabel('Seed list', { exact: true }).fill('11, 12, 13');
  await page.getByLabel('Batch label (optional)').fill('crash test');
  const known = new Set((await jobStates(page)).map((j) => j.id));
  await page.getByRole('button', { name: 'Queue 3 jobs' }).click();
  const ids = await waitFor(async () => {
    const fresh = (await jobStates(page)).filter((j) => !known.has(j.id));
    return fresh.length === 3 ? fresh.map((j) => j.id) : null;
  }, 'three new jobs');
  const snap = await ctx.server.call('queue.list');
  const order = snap.jobs.filter((j) => ids.includes(j.id)).sort((a, b) => a.position - b.position).map((j) => j.id);
  const [first, ...rest] = order;
  await waitFor(async () => {
    const j = await ctx.server.call('queue.get', { id: first });
    return j.state === 'running' && (j.progress?.step ?? 0) >= 2;
  }, 'the first job to be sampling', { timeoutMs: 120_000 });
  await ctx.shot('queue-running');

  log('killing the server and its engine (SIGKILL)');
  await ctx.server.kill();
  await waitFor(async () => ['offline', 'reconnecting', 'connecting'].includes(await page.locator('[data-engine-state]').getAttribute('data-engine-state')), 'the UI to show the lost connection', { timeoutMs: 15_000 });
  // After a while the page says the server does not answer and asks for the new token.
  const banner = page.getByTestId('connection-banner');
  await banner.waitFor({ timeout: 30_000 });
  await ctx.shot('queue-disconnected');

  const server = await ctx.startServer({ navigate: false });
  await banner.getByLabel('New access token').fill(server.token);
  await banner.getByRole('button', { name: 'Reconnect' }).click();
  await page.waitForSelector('[data-engine-state="alive"]', { timeout: 120_000 });
  log('reconnected with the new token from the banner');
  page = ctx.page;
  await go(page, 'queue');
  const states = async () => Object.fromEntries((await jobStates(page)).map((j) => [j.id, j.state]));
  const s0 = await waitFor(async () => {
    const s = await states();
    return order.every((id) => s[id]) && s;
  }, 'the queue to load after the restart');
  log(`after restart: ${JSON.stringify(order.map((id) => s0[id]))}`);
  expectEqual(s0[first], 'interrupted', 'the job that was running');
  for (const id of rest) expect(['queued', 'running', 'done'].includes(s0[id]), `job ${id} should still be pending, is ${s0[id]}`);
  await ctx.shot('queue-after-restart');
  await waitFor(async () => {
    const s = await states();
    return rest.every((id) => s[id] === 'done');
  }, 'the other two jobs to finish', { timeoutMs: 240_000 });
  const s1 = await states();
  expectEqual(s1[first], 'interrupted', 'the interrupted job is not restarted on its own');
  const row = page.locator(`[data-job-id="${first}"]`);
  expect(await row.getByRole('button', { name: 'Retry' }).count(), 'an interrupted job offers Retry');
  await go(page, 'create');
  await resetToDefaults(page);
}, { timeoutMs: 480_000 });
