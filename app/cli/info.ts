// `tessera info [--model DIR] [--backend NAME]`: the engine's device and a model's configuration.
import { createEngine } from '../engine/engine.js';
import { demoModelDir } from '../engine/demo-model.js';
import { oneOf, parseArgs, str } from './args.js';
import type { CliIO, Command } from './io.js';

const USAGE = `usage: tessera info [--model DIR] [--backend auto|cpu|cuda]

Prints the engine's backend and device, and the model's configuration and defaults, as JSON.`;

export const infoCommand: Command = {
  summary: 'show the engine device and a model\'s configuration',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const p = parseArgs(argv, { model: {}, backend: {}, help: { flag: true } });
    if (p.flags.has('help')) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const engine = await createEngine({ backend: oneOf(p, 'backend', ['auto', 'cpu', 'cuda'] as const) ?? 'auto' });
    try {
      const model = await engine.loadModel(str(p, 'model') ?? demoModelDir());
      io.stdout.write(JSON.stringify({ engine: engine.info(), model: model.info }, null, 2) + '\n');
      model.dispose();
      return 0;
    } finally {
      engine.dispose();
    }
  },
};
