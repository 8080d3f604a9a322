#!/usr/bin/env node
// End-to-end tests: the real renderer in Debian's Chromium (headless, via playwright-core),
// served by the real `tessera serve`, running the real engine on the CPU with the built-in demo
// model. Usage: node e2e/run.mjs [--only NAME ...] [--keep]
// Screenshots and logs go to e2e/artifacts/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openApp } from './lib/browser.mjs';
import { runAll } from './lib/harness.mjs';
import { freePort, startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const artifacts = path.join(here, 'artifacts');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--only' && args[i + 1]) only.push(args[++i]);

function ensureBuilt() {
  const dist = path.join(root, 'renderer', 'dist', 'index.html');
  if (!fs.existsSync(dist)) {
    console.log('building the renderer (renderer/dist is missing)…');
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(root, 'renderer', 'vite.config.ts')], { stdio: 'inherit', cwd: root });
  }
  if (!fs.existsSync(path.join(root, 'bin', 'tessera.js'))) throw new Error('bin/tessera.js is missing: the CLI is not built (npm run build)');
}

// Tests register themselves on import, in this order.
await import('./tests/generate.mjs');
await import('./tests/attention.mjs');
await import('./tests/tuning.mjs');
await import('./tests/cancel.mjs');
await import('./tests/queue-order.mjs');
await import('./tests/queue-restart.mjs');
await import('./tests/models.mjs');
await import('./tests/screenshots.mjs');
await import('./tests/gallery-delete.mjs');

ensureBuilt();
fs.rmSync(artifacts, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });

const ok = await runAll({
  only: only.length ? only : null,
  async setup() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-data-'));
    const port = await freePort();
    const ctx = {
      root,
      artifacts,
      dataDir,
      port,
      server: null,
      browser: null,
      page: null,
      /** Starts (or restarts) the server on the same port and data folder and (re)opens the app. */
      async startServer({ navigate = true } = {}) {
        ctx.server = await startServer({ root, dataDir, port, artifacts });
        if (navigate) ctx.page = await openApp(ctx.browser.context, ctx.server, { page: ctx.page ?? undefined });
        return ctx.server;
      },
      async shot(name) {
        await ctx.page.screenshot({ path: path.join(artifacts, `${name}.png`) });
      },
      async onFailure(testName) {
        if (ctx.page) await ctx.page.screenshot({ path: path.join(artifacts, `FAILED-${testName.replace(/\W+/g, '-')}.png`) }).catch(() => {});
        if (ctx.server) console.log(`    server log: ${ctx.server.logFile}\n${ctx.server.output().split('\n').slice(-25).join('\n')}`);
      },
    };
    ctx.browser = await launchBrowser();
    await ctx.startServer();
    return ctx;
  },
  async teardown(ctx) {
    await ctx.browser?.close().catch(() => {});
    await ctx.server?.stop().catch(() => {});
    if (!keep) fs.rmSync(ctx.dataDir, { recursive: true, force: true });
    else console.log(`data folder kept: ${ctx.dataDir}`);
  },
});
process.exit(ok ? 0 : 1);
