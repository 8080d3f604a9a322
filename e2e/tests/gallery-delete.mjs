// Deleting an output from the gallery, with its file.
import fs from 'node:fs';
import { expect, test, waitFor } from '../lib/harness.mjs';
import { go } from '../lib/ui.mjs';

test('gallery: delete an output and its file', async (ctx) => {
  const { page } = ctx;
  const { items, total } = await ctx.server.call('gallery.list', { limit: 1 });
  expect(items.length === 1, 'there is an output to delete');
  const item = items[0];
  expect(fs.existsSync(item.path), 'the file exists before');
  await go(page, 'gallery');
  await page.locator(`.card[data-item-id="${item.id}"]`).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Confirm delete' });
  await dialog.getByRole('checkbox', { name: 'Also delete the file from disk' }).check();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await waitFor(async () => (await page.locator(`.card[data-item-id="${item.id}"]`).count()) === 0, 'the card to go');
  expect((await ctx.server.call('gallery.list', { limit: 1 })).total === total - 1, 'the gallery has one item less');
  await waitFor(() => !fs.existsSync(item.path), 'the file to be deleted', { timeoutMs: 10_000 });
});
