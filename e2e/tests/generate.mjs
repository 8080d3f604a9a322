// Write a prompt, generate, watch the preview change during sampling, find the result in the
// gallery, play it, and check the file with ffprobe (codec, frames, size, settings metadata).
import fs from 'node:fs';
import path from 'node:path';
import { expect, expectEqual, log, test, waitFor } from '../lib/harness.mjs';
import { ffprobe } from '../lib/media.mjs';
import { fillPrompt, go, lockSeed, resetToDefaults, setNumber, sha1, videoPlays } from '../lib/ui.mjs';

const PROMPT = 'a red ball bouncing on a blue background';

test('generate: prompt -> live preview -> gallery -> file', async (ctx) => {
  const { page } = ctx;
  await go(page, 'create');
  await fillPrompt(page, PROMPT);
  await lockSeed(page, 1234);
  // The demo model samples a step in a fraction of a second: enough steps to see several previews.
  await setNumber(page, 'Steps', 60);
  const frames = Number(await page.getByLabel('Frames', { exact: true }).inputValue());
  const width = Number(await page.getByLabel('Width', { exact: true }).inputValue());
  const height = Number(await page.getByLabel('Height', { exact: true }).inputValue());
  log(`demo defaults: ${width}x${height}, ${frames} frames`);
  await page.keyboard.press('Control+Enter');

  // Preview: each time the player shows a new step's clip, note its URL and what it looks like.
  const shown = new Map();
  const looks = new Set();
  const clips = [];
  const preview = page.locator('[data-testid="preview-player"]');
  const done = page.getByRole('region', { name: 'Live preview' }).locator('video[aria-label="Finished video"]');
  await waitFor(async () => {
    if (await done.count()) return true;
    if (!(await preview.count())) return false;
    const seq = await preview.getAttribute('data-shown-seq').catch(() => null);
    if (!seq || seq === '0' || shown.has(seq)) return false;
    const front = preview.locator('video[data-front="true"]');
    const src = await front.getAttribute('src').catch(() => null);
    if (!src) return false;
    shown.set(seq, src);
    // Fetch the clip now: the app may drop older clips once newer ones exist.
    const res = await page.request.get(new URL(src, ctx.server.origin).toString()).catch(() => null);
    if (res?.ok()) clips.push(await res.body());
    const shot = await preview.screenshot({ timeout: 2000 }).catch(() => null);
    if (shot) {
      looks.add(sha1(shot));
      if (shown.size <= 3) fs.writeFileSync(path.join(ctx.artifacts, `preview-step-${shown.size}.png`), shot);
    }
    return false;
  }, 'the job to finish', { timeoutMs: 180_000, intervalMs: 50 });
  log(`preview steps shown: ${[...shown.keys()].join(', ')}; distinct screenshots: ${looks.size}`);
  expect(shown.size >= 2, `expected the preview to show at least 2 steps during sampling, saw ${shown.size}`);
  expect(looks.size >= 2, `expected the preview on screen to change between steps, saw ${looks.size} distinct images`);

  // The clips shown differ (the prediction changes between steps) and each holds every frame.
  expect(clips.length >= 2, `could fetch ${clips.length} preview clips`);
  expect(new Set(clips.map(sha1)).size >= 2, 'the preview clips of different steps differ');
  const clipFile = path.join(ctx.artifacts, 'preview-clip' + path.extname(new URL([...shown.values()].at(-1), ctx.server.origin).pathname));
  fs.writeFileSync(clipFile, clips.at(-1));
  const clipInfo = ffprobe(clipFile);
  log(`preview clip: ${clipInfo.codec} ${clipInfo.width}x${clipInfo.height}, ${clipInfo.frames} frames`);
  expect(clipInfo.frames > 1, `the preview clip should hold every frame, it has ${clipInfo.frames}`);

  // Gallery: the new output is there with its settings and plays.
  await go(page, 'gallery');
  const card = page.locator('.card').first();
  await waitFor(async () => (await card.count()) > 0, 'a gallery card');
  expect((await card.innerText()).includes(PROMPT), 'the newest gallery item shows the prompt');
  await card.click();
  const settings = await page.getByTestId('gallery-settings').innerText();
  expect(settings.includes('1234'), 'the gallery shows the seed');
  const player = page.getByTestId('gallery-player');
  const play = await videoPlays(player);
  expect(play.ok, `the gallery video should play: ${play.why}`);
  log(`gallery video plays: ${play.width}x${play.height}, ${play.duration?.toFixed(2)} s`);
  await ctx.shot('gallery-after-generate');

  // The file itself.
  const { items } = await ctx.server.call('gallery.list', { limit: 1 });
  const item = items[0];
  const info = ffprobe(item.path);
  log(`file: ${info.codec} ${info.pixFmt} ${info.width}x${info.height}, ${info.frames} frames`);
  expectEqual(info.codec, 'h264', 'codec');
  expectEqual(info.pixFmt, 'yuv420p', 'pixel format');
  expectEqual([info.width, info.height], [width, height], 'size');
  expectEqual(info.frames, frames, 'frame count');
  const meta = Object.values(info.tags).find((v) => typeof v === 'string' && v.includes('"prompt"'));
  expect(meta, `the settings should be embedded in the file's metadata; tags: ${JSON.stringify(info.tags)}`);
  expect(meta.includes(PROMPT) && meta.includes('1234'), 'the embedded settings carry the prompt and the seed');
  ctx.firstOutput = item;

  // Reuse settings: back on Create with exactly this job's settings, seed locked.
  await go(page, 'create');
  await fillPrompt(page, 'something else');
  await setNumber(page, 'Seed', 1);
  await go(page, 'gallery');
  await page.locator(`.card[data-item-id="${item.id}"]`).click();
  await page.getByRole('button', { name: 'Reuse settings' }).click();
  await page.waitForSelector('main[data-surface="create"]');
  expectEqual(await page.getByRole('textbox', { name: 'Prompt', exact: true }).inputValue(), PROMPT, 'reused prompt');
  expectEqual(await page.getByLabel('Seed', { exact: true }).inputValue(), '1234', 'reused seed');
  expectEqual(await page.getByLabel('Steps', { exact: true }).inputValue(), '60', 'reused steps');
  expect(await page.getByRole('checkbox', { name: 'Lock' }).isChecked(), 'the seed is locked after reuse');
  await resetToDefaults(page);
}, { timeoutMs: 300_000 });
