// The engine process's request loop: owns one Engine and at most one loaded model (loading
// another folder disposes the previous one, so memory holds one model). Heavy ops (anything
// that may load a model or run the sampler) run one at a time in arrival order; cancel
// messages abort the op's AbortSignal, which the engine checks between steps and chunks.
import { toWireError } from './wire-error.js';
import type { ChildChannel } from './child-channel.js';
import { type HostEngineOptions, lightOps, type OpName, type Ops, type ParentMessage } from './protocol.js';
import type { Engine, EngineModel } from '../engine/types.js';

export type EngineFactory = (options: HostEngineOptions) => Engine | Promise<Engine>;

export function serveEngine(createEngine: EngineFactory, channel: ChildChannel): void {
  let engine: Engine | null = null;
  let options: HostEngineOptions = {};
  let loaded: { dir: string; model: EngineModel } | null = null;
  let heavy: Promise<unknown> = Promise.resolve();
  const controllers = new Map<number, AbortController>();

  async function model(dir: string): Promise<EngineModel> {
    if (!engine) throw Object.assign(new Error('engine not initialised'), { code: 'INTERNAL' });
    if (loaded?.dir === dir) return loaded.model;
    if (loaded) {
      loaded.model.dispose();
      loaded = null;
    }
    const m = await engine.loadModel(dir, { keepTextEncoder: options.keepTextEncoder ?? false });
    loaded = { dir, model: m };
    return m;
  }

  async function run<K extends OpName>(id: number, op: K, args: Ops[K]['args']): Promise<Ops[K]['result']> {
    const ctl = new AbortController();
    controllers.set(id, ctl);
    const runOpts = {
      signal: ctl.signal,
      onProgress: (progress: Parameters<NonNullable<import('../engine/types.js').RunOptions['onProgress']>>[0]) =>
        channel.send({ t: 'progress', id, progress }),
    };
    try {
      const a = args as Ops[OpName]['args'];
      switch (op) {
        case 'modelInfo':
          return (await model(a.dir)).info as Ops[K]['result'];
        case 'estimateMemory':
          return (await model(a.dir)).estimateMemory((a as Ops['estimateMemory']['args']).params) as Ops[K]['result'];
        case 'generate':
          return (await (await model(a.dir)).generate((a as Ops['generate']['args']).params, runOpts)) as Ops[K]['result'];
        case 'attentionMap': {
          const x = a as Ops['attentionMap']['args'];
          return (await (await model(a.dir)).attentionMap(x.params, x.request, runOpts)) as Ops[K]['result'];
        }
        case 'calibrate': {
          const x = a as Ops['calibrate']['args'];
          return (await (await model(a.dir)).calibrate(x.params, x.request, runOpts)) as Ops[K]['result'];
        }
        default:
          throw Object.assign(new Error(`unknown op ${String(op)}`), { code: 'INTERNAL' });
      }
    } finally {
      controllers.delete(id);
    }
  }

  function handleCall(msg: Extract<ParentMessage, { t: 'call' }>): void {
    const exec = () => run(msg.id, msg.op, msg.args).then(
      (value) => channel.send({ t: 'result', id: msg.id, ok: true, value }),
      (e: unknown) => channel.send({ t: 'result', id: msg.id, ok: false, error: toWireError(e) }),
    );
    // Light ops on the loaded model answer at once; everything else waits its turn.
    if (lightOps.has(msg.op) && loaded?.dir === msg.args.dir) {
      void exec();
      return;
    }
    const p = heavy.then(exec);
    heavy = p.catch(() => undefined);
  }

  channel.onMessage((msg) => {
    switch (msg.t) {
      case 'init':
        options = msg.options;
        Promise.resolve()
          .then(() => createEngine(options))
          .then((e) => {
            engine = e;
            channel.send({ t: 'ready', info: e.info() });
          }, (e: unknown) => channel.send({ t: 'initFailed', error: toWireError(e) }));
        break;
      case 'call':
        handleCall(msg);
        break;
      case 'cancel':
        controllers.get(msg.id)?.abort();
        break;
    }
  });
}
