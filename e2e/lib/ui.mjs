// UI steps shared by the tests, written against what a user sees (roles, labels) where possible.
import { createHash } from 'node:crypto';

export async function go(page, surface) {
  await page.click(`nav [data-surface="${surface}"]`);
  await page.waitForSelector(`main[data-surface="${surface}"]`);
}

export async function fillPrompt(page, text) {
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(text);
}

export async function setNumber(page, label, value) {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
  await input.blur();
}

/** Back to the model's sampling defaults (keeps prompt and seed). */
export async function resetToDefaults(page) {
  await page.getByLabel('Preset', { exact: true }).selectOption('__defaults');
}

export async function lockSeed(page, seed) {
  await setNumber(page, 'Seed', seed);
  const lock = page.getByRole('checkbox', { name: 'Lock' });
  if (!(await lock.isChecked())) await lock.check();
}

/** Ids of the jobs the page's store knows, with their states, in display order. */
export async function jobStates(page) {
  return page.$$eval('[data-job-id]', (rows) => rows.map((r) => ({ id: r.getAttribute('data-job-id'), state: r.getAttribute('data-state') })));
}

/** Ids of every job the app has, from the API (the UI shows only some of them on each surface). */
export async function allJobIds(server) {
  return new Set((await server.call('queue.list')).jobs.map((j) => j.id));
}

/** Waits for the one job created after `known` was taken; returns its id. */
export async function newJobId(server, known) {
  for (let i = 0; i < 300; i++) {
    const fresh = (await server.call('queue.list')).jobs.filter((j) => !known.has(j.id) && j.kind === 'generate');
    if (fresh.length > 0) return fresh[0].id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no new job appeared');
}

export function sha1(buf) {
  return createHash('sha1').update(buf).digest('hex');
}

/** Pixel statistics of a canvas: whether it shows more than one colour. */
export async function canvasVariety(locator) {
  return locator.evaluate((c) => {
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  });
}

/** Waits until a <video> really plays: decoded frames, time moving. */
export async function videoPlays(locator) {
  return locator.evaluate(
    (v) =>
      new Promise((resolve) => {
        const t0 = v.currentTime;
        const start = performance.now();
        const check = () => {
          if (v.error) return resolve({ ok: false, why: `media error ${v.error.code}: ${v.error.message}` });
          if (v.readyState >= 2 && v.currentTime > t0 && !v.paused) return resolve({ ok: true, duration: v.duration, width: v.videoWidth, height: v.videoHeight });
          if (performance.now() - start > 15000) return resolve({ ok: false, why: `not playing: readyState ${v.readyState}, paused ${v.paused}, t ${v.currentTime}` });
          setTimeout(check, 100);
        };
        if (v.paused) v.play().catch(() => {});
        check();
      }),
  );
}
