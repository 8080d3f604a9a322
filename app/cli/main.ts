// The `tessera` command line: a table of subcommands, error reporting, Ctrl-C handling.
import { EngineError } from '../engine/errors.js';
import { MediaError } from '../media/index.js';
import { UsageError } from './args.js';
import { serveCommand } from '../server/serve-command.js';
import { generateCommand } from './generate.js';
import { infoCommand } from './info.js';
import type { CliIO, Command } from './io.js';
import { verifyCommand } from './verify.js';
import { VERSION } from './version.js';

/** Subcommands. `serve` (the headless server) is registered here by app/server. */
export const commands: Record<string, Command> = {
  generate: generateCommand,
  info: infoCommand,
  verify: verifyCommand,
  serve: serveCommand,
};

function help(): string {
  const names = Object.keys(commands);
  const w = Math.max(...names.map((n) => n.length));
  return [`tessera ${VERSION}: text-to-video on your own GPU`, '', 'usage: tessera COMMAND [options]', '',
    ...names.map((n) => `  ${n.padEnd(w)}  ${commands[n]!.summary}`), '',
    'tessera COMMAND --help shows the options of a command.'].join('\n');
}

/** Runs one command line; returns the exit status. Never throws. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.stderr.write(`tessera: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`tessera ${name}: ${err.message}\n(see tessera ${name} --help)\n`);
      return 2;
    }
    if ((err instanceof EngineError || err instanceof MediaError) && err.code === 'CANCELLED') {
      io.stderr.write(`\ntessera ${name}: cancelled\n`);
      return 130;
    }
    if (err instanceof EngineError || err instanceof MediaError) {
      io.stderr.write(`\ntessera ${name}: error [${err.code}]: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`\ntessera ${name}: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return 1;
  }
}

/** Entry point of bin/tessera.js: real streams, Ctrl-C cancels the running job. */
export function run(argv: string[] = process.argv.slice(2)): void {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // second Ctrl-C: do not wait for the engine
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIO = {
    stdout: process.stdout,
    stderr: { write: (s: string) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) },
    signal: ac.signal,
  };
  // The handlers stay installed until exit: a late Ctrl-C must not kill the process mid-write.
  main(argv, io).then((code) => {
    process.exitCode = code;
  }, (err: unknown) => {
    process.stderr.write(`tessera: ${String(err)}\n`);
    process.exitCode = 1;
  });
}

if (require.main === module) run();
