/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

// Relative asset paths ('./') so the same build loads from Electron's file/app protocol and from
// the headless server under any path. Under vitest the root stays the repository (the root
// vitest.config.mts extends this file for its jsdom project).
export default defineConfig({
  root: process.env.VITEST ? undefined : here,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  test: {
    setupFiles: [resolve(here, 'src/test/setup.ts')],
  },
});
