// User settings: one zod schema with defaults, so a stored settings file from an older version
// (missing fields) parses to a complete object, and an update is validated as a whole.
import { z } from 'zod';
import { backendKinds, ExportSettingsSchema } from './params.js';

const int = z.number().int();

export const SettingsSchema = z.object({
  /** Where exports go; absent: <dataDir>/outputs. */
  outputDir: z.string().min(1).max(4096).nullable().default(null),
  /** Where downloaded models go; absent: <dataDir>/models. */
  modelsDir: z.string().min(1).max(4096).nullable().default(null),
  backend: z.enum(backendKinds).default('auto'),
  deviceIndex: int.min(0).max(64).default(0),
  /** CPU threads; 0 = all cores. */
  threads: int.min(0).max(1024).default(0),
  cudaPath: z.enum(['auto', 'portable', 'hopper']).default('auto'),
  /** Keep the text encoder in memory between jobs (faster, uses more memory). */
  keepTextEncoder: z.boolean().default(false),
  defaultModelId: z.string().max(128).nullable().default(null),
  defaultExport: ExportSettingsSchema.default({ format: 'mp4' }),
  preview: z.object({
    enabled: z.boolean().default(true),
    maxSide: int.min(32).max(512).default(192),
  }).default({ enabled: true, maxSide: 192 }),
  notifications: z.boolean().default(true),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Settings = z.output<typeof SettingsSchema>;

/** A partial update; nested objects are replaced whole. */
export const SettingsPatchSchema = z.object({
  outputDir: z.string().min(1).max(4096).nullable(),
  modelsDir: z.string().min(1).max(4096).nullable(),
  backend: z.enum(backendKinds),
  deviceIndex: int.min(0).max(64),
  threads: int.min(0).max(1024),
  cudaPath: z.enum(['auto', 'portable', 'hopper']),
  keepTextEncoder: z.boolean(),
  defaultModelId: z.string().max(128).nullable(),
  defaultExport: ExportSettingsSchema,
  preview: z.object({ enabled: z.boolean(), maxSide: int.min(32).max(512) }),
  notifications: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']),
}).partial().strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}
