// A small sequential test harness for the end-to-end suite: named tests, steps with timing,
// assertions that say what was expected, and a summary with a non-zero exit on failure.
import { performance } from 'node:perf_hooks';

const tests = [];

export function test(name, fn, opts = {}) {
  tests.push({ name, fn, timeoutMs: opts.timeoutMs ?? 240_000 });
}

export class AssertionError extends Error {}

export function expect(cond, message) {
  if (!cond) throw new AssertionError(message);
}

export function expectEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new AssertionError(`${what}: expected ${e}, got ${a}`);
}

/** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen. */
export async function waitFor(probe, what, { timeoutMs = 60_000, intervalMs = 200 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > end) throw new AssertionError(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function log(...args) {
  console.log('   ', ...args);
}

export async function runAll({ only, setup, teardown }) {
  const selected = tests.filter((t) => !only || only.some((o) => t.name.includes(o)));
  const results = [];
  const ctx = await setup();
  try {
    for (const t of selected) {
      const t0 = performance.now();
      console.log(`▶ ${t.name}`);
      let timer;
      try {
        await Promise.race([
          t.fn(ctx),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new AssertionError(`test timed out after ${t.timeoutMs} ms`)), t.timeoutMs);
          }),
        ]);
        results.push({ name: t.name, ok: true, ms: performance.now() - t0 });
        console.log(`✔ ${t.name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        results.push({ name: t.name, ok: false, ms: performance.now() - t0, error: e });
        console.log(`✘ ${t.name}: ${e instanceof Error ? e.stack ?? e.message : e}`);
        await ctx.onFailure?.(t.name).catch(() => {});
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    await teardown(ctx);
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
  for (const f of failed) console.log(`  ✘ ${f.name}: ${f.error?.message ?? f.error}`);
  return failed.length === 0;
}
