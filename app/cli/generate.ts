// `tessera generate`: prompt -> video file, with a progress bar on stderr.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { createEngine } from '../engine/engine.js';
import { demoModelDir } from '../engine/demo-model.js';
import type { AttnConfig, BackendKind, GenerateParams, ModelInfo, SamplerKind } from '../engine/types.js';
import { encodeVideo, formatFromPath, type ExportFormat } from '../media/index.js';
import { UsageError, int, intList, num, oneOf, parseArgs, size, str, type OptionSpec } from './args.js';
import type { CliIO, Command } from './io.js';
import { ProgressBar, formatSeconds } from './progress.js';
import { embeddedSettings } from './settings.js';
import { VERSION } from './version.js';

const SPEC: Record<string, OptionSpec> = {
  prompt: {}, negative: {}, seed: {}, steps: {}, size: {}, frames: {}, sampler: {}, timesteps: {}, guidance: {},
  shift: {}, model: {}, backend: {}, threads: {}, out: {}, format: {}, crf: {}, attention: {},
  json: { flag: true }, quiet: { flag: true }, help: { flag: true },
};

const USAGE = `usage: tessera generate --prompt TEXT [options]

  --prompt TEXT         what the video shows (required)
  --negative TEXT       what to avoid (default: the model's default negative prompt)
  --seed N              noise seed (default: random, printed)
  --steps N             sampling steps (default: the model's)
  --size WxH            width x height in pixels, multiples of 16 (default: the model's)
  --frames N            frame count, 4n+1 (default: the model's)
  --sampler NAME        unipc | euler | fewstep (default: the model's; fewstep when --timesteps is given)
  --timesteps LIST      few-step schedule, e.g. 1000,757,522
  --guidance G          classifier-free guidance scale (<= 1 disables it)
  --shift S             sigma shift
  --attention JSON|@F   attention config {"tile":[6,8,8],"rules":[...]} inline or from file F
  --model DIR           Wan2.1 model folder (default: the built-in demo model)
  --backend NAME        auto | cpu | cuda (default: auto)
  --threads N           CPU threads (default: all cores)
  --out FILE            output file (default: tessera-<seed>.<format>); a folder for png
  --format NAME         mp4 | webm | gif | png (default: from --out's extension, else mp4)
  --crf N               encoder quality (lower is better; default 18 for mp4, 32 for webm)
  --json                print a JSON summary on stdout
  --quiet               no progress bar`;

const SAMPLERS = ['unipc', 'euler', 'fewstep'] as const;
const BACKENDS = ['auto', 'cpu', 'cuda'] as const;
const FORMATS = ['mp4', 'webm', 'gif', 'png'] as const;

function parseAttention(v: string | undefined): AttnConfig | undefined {
  if (v === undefined) return undefined;
  let text = v;
  if (v.startsWith('@')) {
    try {
      text = readFileSync(v.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`--attention: cannot read ${v.slice(1)}: ${(err as Error).message}`);
    }
  }
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--attention is not valid JSON: ${(err as Error).message}`);
  }
  if (o === null || typeof o !== 'object' || !Array.isArray((o as { rules?: unknown }).rules)) {
    throw new UsageError('--attention must be an object with a "rules" array');
  }
  return o as AttnConfig;
}

export interface GenerateRequest {
  params: GenerateParams;
  modelDir?: string;
  backend: BackendKind;
  threads?: number;
  out?: string;
  format?: ExportFormat;
  crf?: number;
  json: boolean;
  quiet: boolean;
}

/** Options -> a request; model defaults are filled in later (they need the loaded model). */
export function parseGenerate(argv: string[]): GenerateRequest | 'help' {
  const p = parseArgs(argv, SPEC);
  if (p.flags.has('help')) return 'help';
  if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}" (quote the prompt and pass it with --prompt)`);
  const prompt = str(p, 'prompt');
  if (prompt === undefined || prompt.trim() === '') throw new UsageError('--prompt is required');
  const [width, height] = size(p, 'size') ?? [0, 0];
  const timesteps = intList(p, 'timesteps');
  const sampler = oneOf(p, 'sampler', SAMPLERS) ?? (timesteps ? 'fewstep' : undefined);
  if (timesteps && sampler !== 'fewstep') throw new UsageError('--timesteps needs --sampler fewstep');
  const params: GenerateParams = {
    prompt,
    width, height,
    frames: int(p, 'frames', 1, 100_000) ?? 0,
    steps: int(p, 'steps', 1, 10_000) ?? 0,
    guidance: num(p, 'guidance') ?? Number.NaN,
    shift: num(p, 'shift') ?? Number.NaN,
    seed: int(p, 'seed', 0, Number.MAX_SAFE_INTEGER) ?? randomInt(0, 2 ** 31),
    sampler: (sampler ?? '') as SamplerKind,
  };
  const negative = str(p, 'negative');
  if (negative !== undefined) params.negativePrompt = negative;
  if (timesteps) params.timesteps = timesteps;
  const attention = parseAttention(str(p, 'attention'));
  if (attention) params.attention = attention;
  const out = str(p, 'out');
  // An --out without extension is an MP4 (".mp4" is added); PNG frames need --format png.
  const hasExt = out !== undefined && extname(out) !== '';
  const format = oneOf(p, 'format', FORMATS) ?? (hasExt ? formatFromPath(out!) ?? undefined : undefined);
  if (hasExt && format === undefined) throw new UsageError(`cannot tell the format of "${out}": add --format`);
  const req: GenerateRequest = {
    params,
    backend: oneOf(p, 'backend', BACKENDS) ?? 'auto',
    json: p.flags.has('json'),
    quiet: p.flags.has('quiet'),
  };
  const model = str(p, 'model');
  if (model !== undefined) req.modelDir = model;
  const threads = int(p, 'threads', 0, 4096);
  if (threads !== undefined) req.threads = threads;
  if (out !== undefined) req.out = out;
  if (format !== undefined) req.format = format;
  const crf = int(p, 'crf', 0, 63);
  if (crf !== undefined) req.crf = crf;
  return req;
}

/** Fills what the user left out from the model's defaults. */
export function withModelDefaults(params: GenerateParams, info: ModelInfo): GenerateParams {
  const d = info.defaults;
  const out: GenerateParams = {
    ...params,
    width: params.width || d.width,
    height: params.height || d.height,
    frames: params.frames || d.frames,
    guidance: Number.isNaN(params.guidance) ? d.guidance : params.guidance,
    shift: Number.isNaN(params.shift) ? d.shift : params.shift,
    sampler: params.sampler || d.sampler,
  };
  if (out.sampler === 'fewstep' && !out.timesteps && d.timesteps.length) out.timesteps = d.timesteps;
  out.steps = params.steps || (out.sampler === 'fewstep' && out.timesteps ? out.timesteps.length : d.steps);
  if (!out.attention && d.attention && d.attention.rules.length) out.attention = d.attention;
  return out;
}

function defaultOut(seed: number, format: ExportFormat): string {
  return format === 'png' ? `tessera-${seed}` : `tessera-${seed}.${format}`;
}

export async function runGenerate(req: GenerateRequest, io: CliIO): Promise<number> {
  const log = (s: string) => { if (!req.quiet) io.stderr.write(`${s}\n`); };
  const modelDir = req.modelDir ?? demoModelDir();
  const engine = await createEngine({ backend: req.backend, ...(req.threads !== undefined ? { threads: req.threads } : {}) });
  try {
    const einfo = engine.info();
    if (einfo.fallbackReason) log(`note: running on the CPU: ${einfo.fallbackReason}`);
    const model = await engine.loadModel(modelDir);
    try {
      const params = withModelDefaults(req.params, model.info);
      const format = req.format ?? 'mp4';
      const out = resolve(req.out ?? defaultOut(params.seed, format));
      log(`model ${model.info.name ?? model.info.dir} on ${einfo.backend} (${einfo.deviceName}), ` +
        `${params.width}x${params.height}, ${params.frames} frames, ${params.steps} steps, seed ${params.seed}`);
      const bar = new ProgressBar(io.stderr);
      const t0 = Date.now();
      const video = await model.generate(params, {
        ...(req.quiet ? {} : { onProgress: (pr) => bar.update(pr) }),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      bar.done();
      const settings = embeddedSettings(params, model.info, einfo.backend, `tessera ${VERSION}`);
      const written = await encodeVideo(video, out, {
        format, settings, ...(req.crf !== undefined ? { crf: req.crf } : {}), ...(io.signal ? { signal: io.signal } : {}),
      });
      const seconds = (Date.now() - t0) / 1000;
      log(`wrote ${written.path} (${written.frames} frames, ${written.width}x${written.height}, ` +
        `${(written.bytes / 1024).toFixed(0)} KiB) in ${formatSeconds(seconds)}`);
      if (req.json) {
        io.stdout.write(JSON.stringify({
          out: written.path, format: written.format, bytes: written.bytes, frames: written.frames,
          width: written.width, height: written.height, fps: video.fps, seconds, timings: video.timings,
          backend: einfo.backend, settings,
        }) + '\n');
      } else {
        io.stdout.write(`${written.path}\n`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  } finally {
    engine.dispose();
  }
}

export const generateCommand: Command = {
  summary: 'generate a video from a prompt',
  usage: USAGE,
  async run(argv, io) {
    const req = parseGenerate(argv);
    if (req === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (req.out && (req.format ?? 'mp4') !== 'png' && extname(req.out) === '') req.out += `.${req.format ?? 'mp4'}`;
    return runGenerate(req, io);
  },
};
