// Pause the queue, reorder queued jobs with the keyboard and by dragging, resume: the app runs
// them in the new order.
import { expectEqual, log, test, waitFor } from '../lib/harness.mjs';
import { allJobIds, go } from '../lib/ui.mjs';

test('queue: pause, reorder by keyboard and drag, resume', async (ctx) => {
  const { page } = ctx;
  await go(page, 'queue');
  await page.getByRole('button', { name: 'Pause queue' }).click();
  await waitFor(async () => (await page.locator('.badge', { hasText: 'queue paused' }).count()) > 0, 'the paused badge');
  await page.getByLabel(/^Prompts/).fill('first\nsecond\nthird');
  const known = await allJobIds(ctx.server);
  await page.getByRole('button', { name: 'Queue 3 jobs' }).click();
  const queuedOrder = async () => (await ctx.server.call('queue.list')).jobs.filter((j) => j.state === 'queued' && !known.has(j.id)).sort((a, b) => a.position - b.position).map((j) => j.params.prompt);
  await waitFor(async () => (await queuedOrder()).length === 3, 'three queued jobs');
  expectEqual(await queuedOrder(), ['first', 'second', 'third'], 'initial order');

  // Keyboard: focus "first" and move it down once.
  const row = (prompt) => page.locator('li[data-state="queued"]', { hasText: prompt });
  await row('first').focus();
  await page.keyboard.press('Alt+ArrowDown');
  await waitFor(async () => JSON.stringify(await queuedOrder()) === JSON.stringify(['second', 'first', 'third']), 'the keyboard move');
  // Drag: "third" onto "second" puts it first.
  await row('third').dragTo(row('second'));
  await waitFor(async () => JSON.stringify(await queuedOrder()) === JSON.stringify(['third', 'second', 'first']), 'the drag move');
  const shown = await page.locator('li[data-state="queued"] .job__title').allInnerTexts();
  log(`shown order: ${shown.join(' | ')}`);
  await ctx.shot('queue-reordered');

  await page.getByRole('button', { name: 'Resume queue' }).click();
  const ids = (await ctx.server.call('queue.list')).jobs.filter((j) => !known.has(j.id));
  await waitFor(async () => {
    const jobs = await Promise.all(ids.map((j) => ctx.server.call('queue.get', { id: j.id })));
    return jobs.every((j) => j.state === 'done') && jobs;
  }, 'the three jobs to finish', { timeoutMs: 240_000 });
  const jobs = await Promise.all(ids.map((j) => ctx.server.call('queue.get', { id: j.id })));
  const ranOrder = jobs.sort((a, b) => a.startedAt - b.startedAt).map((j) => j.params.prompt);
  expectEqual(ranOrder, ['third', 'second', 'first'], 'run order');
}, { timeoutMs: 300_000 });
