// Test-only engine process: the real request loop (serve-engine.ts) around the fake engine.
import { childChannel } from '../child-channel.js';
import { serveEngine } from '../serve-engine.js';
import { createFakeEngine } from './fake-engine.js';

if (process.env.FAKE_EXIT_ON_START) process.exit(Number(process.env.FAKE_EXIT_ON_START));
serveEngine(createFakeEngine, childChannel());
