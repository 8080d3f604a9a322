// Cancel a running job: it stops within a step or a decode chunk and writes no output.
import { expect, log, test, waitFor } from '../lib/harness.mjs';
import { fillPrompt, go, jobStates, resetToDefaults, setNumber } from '../lib/ui.mjs';

test('cancel a running job', async (ctx) => {
  const { page } = ctx;
  await go(page, 'create');
  await fillPrompt(page, 'a job to cancel');
  await setNumber(page, 'Steps', 60);
  const galleryBefore = (await ctx.server.call('gallery.list', { limit: 1 })).total;
  const known = new Set((await jobStates(page)).map((j) => j.id));
  await page.keyboard.press('Control+Enter');
  const id = await waitFor(async () => (await jobStates(page)).find((j) => !known.has(j.id))?.id, 'the new job');
  await waitFor(async () => Number((await page.getByTestId('progress').getAttribute('data-step')) ?? 0) >= 1, 'sampling to start', { timeoutMs: 120_000 });
  const t0 = Date.now();
  await page.getByRole('region', { name: 'Live preview' }).getByRole('button', { name: 'Cancel' }).click();
  await waitFor(async () => (await jobStates(page)).find((j) => j.id === id)?.state === 'cancelled', 'the job to be cancelled', { timeoutMs: 30_000 });
  const ms = Date.now() - t0;
  log(`cancelled after ${ms} ms`);
  const job = await ctx.server.call('queue.get', { id });
  expect(job.state === 'cancelled', `job state ${job.state}`);
  expect(job.outputId === null, 'a cancelled job has no output');
  expect((await ctx.server.call('gallery.list', { limit: 1 })).total === galleryBefore, 'no gallery item for a cancelled job');
  await resetToDefaults(page);
});
