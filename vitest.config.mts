// Unit tests: app/** and scripts/** run under Node, renderer/** under jsdom (with the renderer's
// own Vite config, for its plugins and aliases, once it exists).
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const rendererConfig = './renderer/vite.config.ts';

export default defineConfig({
  test: {
    passWithNoTests: true,
    globalSetup: ['scripts/lib/test-tmpdir.mjs'],
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['app/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...(existsSync(rendererConfig) ? { extends: rendererConfig } : {}),
        test: {
          name: 'jsdom',
          environment: 'jsdom',
          include: ['renderer/**/*.test.{ts,tsx}'],
        },
      },
    ],
  },
});
