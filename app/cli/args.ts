// A small argument parser: `--name value`, `--name=value`, boolean `--flag`, positionals.
// Unknown options are errors, so a typo never silently changes a generation.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** Takes a value (default) or is a boolean flag. */
  flag?: boolean;
  /** Repeatable options collect every value. */
  repeat?: boolean;
}

export interface Parsed {
  options: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): Parsed {
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`);
    if (s.flag) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    const prev = options.get(name);
    if (prev && !s.repeat) throw new UsageError(`--${name} given twice`);
    options.set(name, [...(prev ?? []), value]);
  }
  return { options, flags, positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  return p.options.get(name)?.[0];
}

export function int(p: Parsed, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${v}`);
  return n;
}

export function num(p: Parsed, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

export function oneOf<T extends string>(p: Parsed, name: string, values: readonly T[]): T | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${values.join(', ')}, got "${v}"`);
  return v as T;
}

/** "832x480" -> [832, 480] */
export function size(p: Parsed, name: string): [number, number] | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const m = /^(\d+)\s*[xX*]\s*(\d+)$/.exec(v.trim());
  if (!m) throw new UsageError(`--${name} must be WIDTHxHEIGHT, e.g. 832x480, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

/** "1000,757,522" -> [1000, 757, 522] */
export function intList(p: Parsed, name: string): number[] | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => !/^\d+$/.test(s))) {
    throw new UsageError(`--${name} must be a comma-separated list of integers, got "${v}"`);
  }
  return parts.map(Number);
}
