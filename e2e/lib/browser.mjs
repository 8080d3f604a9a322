// Debian's Chromium driven by playwright-core: headless, no sandbox (CI containers), no GPU,
// nothing phoning home, and a fresh user-data-dir per run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 1400, height: 900 },
    colorScheme: 'light',
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the app from the server's printed URL and waits until it is connected and loaded. */
export async function openApp(context, server, { page } = {}) {
  const p = page ?? (await context.newPage());
  p.on('pageerror', (e) => console.log('    [page error]', e.message));
  await p.goto(server.url);
  await p.waitForSelector('[data-engine-state="alive"], [data-engine-state="starting"]', { timeout: 60_000 });
  await p.waitForSelector('[data-engine-state="alive"]', { timeout: 120_000 });
  return p;
}
