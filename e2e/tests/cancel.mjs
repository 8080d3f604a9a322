// Cancel a running job: it stops within a step or a decode chunk and writes no output.
import { expect, log, test, waitFor } from '../lib/harness.mjs';
import { allJobIds, fillPrompt, go, newJobId, resetToDefaults, setNumber } from '../lib/ui.mjs';

test('cancel a running job', async (ctx) => {
  const { page } = ctx;
  await go(page, 'create');
  await fillPrompt(page, 'a job to cancel');
  await setNumber(page, 'Steps', 60);
  const galleryBefore = (await ctx.server.call('gallery.list', { limit: 1 })).total;
  const known = await allJobIds(ctx.server);
  await page.keyboard.press('Control+Enter');
  const id = await newJobId(ctx.server, known);
  await waitFor(async () => Number((await page.getByTestId('progress').getAttribute('data-step')) ?? 0) >= 1, 'sampling to start', { timeoutMs: 120_000 });
  const t0 = Date.now();
  await page.getByRole('region', { name: 'Live preview' }).getByRole('button', { name: 'Cancel' }).click();
  const preview = page.getByRole('region', { name: 'Live preview' });
  await waitFor(async () => (await preview.locator('.badge', { hasText: 'cancelled' }).count()) > 0, 'the preview to show the job cancelled', { timeoutMs: 30_000 });
  const ms = Date.now() - t0;
  log(`cancelled after ${ms} ms`);
  const job = await ctx.server.call('queue.get', { id });
  expect(job.state === 'cancelled', `job state ${job.state}`);
  expect(job.outputId === null, 'a cancelled job has no output');
  expect((await ctx.server.call('gallery.list', { limit: 1 })).total === galleryBefore, 'no gallery item for a cancelled job');
  await resetToDefaults(page);
});
