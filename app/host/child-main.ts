// Entry of the engine process (child_process.fork headless, utilityProcess in Electron): the
// request loop around the native engine of app/engine. A failure to load the addon is reported
// to the host as initFailed (with the loader's explanation), not as a crash.
import { createEngine } from '../engine/engine.js';
import { childChannel } from './child-channel.js';
import { serveEngine } from './serve-engine.js';

serveEngine(({ keepTextEncoder: _keep, ...engineOptions }) => createEngine(engineOptions), childChannel());
