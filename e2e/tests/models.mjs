// Importing a folder that is not a usable model gives a clear message, and the app keeps working.
import fs from 'node:fs';
import path from 'node:path';
import { expect, log, test, waitFor } from '../lib/harness.mjs';
import { go } from '../lib/ui.mjs';

async function importFolder(page, dir) {
  await page.getByLabel('Model folder', { exact: true }).fill(dir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const banner = page.getByRole('alert').filter({ hasText: 'This folder cannot be imported' });
  await waitFor(async () => (await banner.count()) > 0, 'the import error', { timeoutMs: 120_000 });
  return { code: await banner.getAttribute('data-code'), text: await banner.innerText() };
}

test('models: a bad folder gives a clear message', async (ctx) => {
  const { page } = ctx;
  await go(page, 'models');
  const before = await page.locator('[data-model-id]').count();

  const empty = path.join(ctx.dataDir, 'not-a-model');
  fs.mkdirSync(empty, { recursive: true });
  fs.writeFileSync(path.join(empty, 'notes.txt'), 'not a model');
  const e1 = await importFolder(page, empty);
  log(`not a model: ${e1.code}: ${e1.text.replace(/\s+/g, ' ')}`);
  expect(e1.code && e1.code !== 'INTERNAL', `a specific error code, got ${e1.code}`);
  expect(e1.text.length > 40, 'the message explains the problem');
  await ctx.shot('models-bad-folder');

  // A model folder whose weights are cut short.
  const demo = (await ctx.server.call('models.list')).find((m) => m.source === 'builtin');
  if (demo) {
    const broken = path.join(ctx.dataDir, 'truncated-model');
    fs.cpSync(demo.dir, broken, { recursive: true });
    const weights = fs.readdirSync(broken).find((f) => f.startsWith('diffusion_pytorch_model') && f.endsWith('.safetensors'));
    const file = path.join(broken, weights);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    const e2 = await importFolder(page, broken);
    log(`truncated weights: ${e2.code}: ${e2.text.replace(/\s+/g, ' ')}`);
    expect(e2.code && e2.code !== 'INTERNAL', `a specific error code, got ${e2.code}`);
  }
  expect((await page.locator('[data-model-id]').count()) === before, 'nothing was added');
  expect((await page.locator('[data-engine-state]').getAttribute('data-engine-state')) === 'alive', 'the engine is still alive');
});
