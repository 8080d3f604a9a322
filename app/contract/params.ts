// zod schemas for the values the app passes to the engine: GenerateParams and the attention
// config of app/engine/types.ts (the type test checks they stay in step), and export settings.
import { z } from 'zod';

const int = z.number().int();
const tuple3 = (min: number) => z.tuple([int.min(min), int.min(min), int.min(min)]);
const range = z.tuple([int.min(0), int.min(-1)]);

export const samplerKinds = ['unipc', 'euler', 'fewstep'] as const;
export const attnPatternKinds = ['dense', 'sta', 'tile'] as const;
export const backendKinds = ['auto', 'cpu', 'cuda'] as const;

export const AttnRuleSchema = z.object({
  /** Half-open step range; end -1 = to the last step. */
  steps: range.optional(),
  layers: range.optional(),
  /** -1 or absent: every head. */
  head: int.min(-1).max(1023).optional(),
  pattern: z.enum(attnPatternKinds),
  /** STA window in tiles (t, h, w). */
  window: tuple3(1).optional(),
  /** Attention Tile: k global frames. */
  globalFrames: int.min(0).max(1024).optional(),
});

export const AttnConfigSchema = z.object({
  /** Tokens per tile axis (t, h, w); default [6, 8, 8]. */
  tile: tuple3(1).optional(),
  rules: z.array(AttnRuleSchema).max(65536),
});

/** Largest side and frame count we accept before the engine's own memory estimate speaks. */
export const MAX_SIDE = 4096;
export const MAX_FRAMES = 1025;

export const GenerateParamsSchema = z.object({
  prompt: z.string().max(20000),
  negativePrompt: z.string().max(20000).optional(),
  width: int.min(16).max(MAX_SIDE).multipleOf(16, 'width must be a multiple of 16'),
  height: int.min(16).max(MAX_SIDE).multipleOf(16, 'height must be a multiple of 16'),
  frames: int.min(1).max(MAX_FRAMES).refine((f) => (f - 1) % 4 === 0, 'frames must be 4n+1'),
  steps: int.min(1).max(1000),
  guidance: z.number().min(0).max(100),
  shift: z.number().min(0).max(100),
  seed: int.min(0).max(Number.MAX_SAFE_INTEGER),
  sampler: z.enum(samplerKinds),
  /** fewstep: explicit timesteps, e.g. [1000, 757, 522]. */
  timesteps: z.array(int.min(0).max(1000)).max(64).optional(),
  attention: AttnConfigSchema.optional(),
  preview: z.boolean().optional(),
  previewMaxSide: int.min(16).max(1024).optional(),
});

export const exportFormats = ['mp4', 'webm', 'gif', 'png'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** How a finished job's frames are written (through app/media). */
export const ExportSettingsSchema = z.object({
  format: z.enum(exportFormats),
  /** Quality for mp4/webm (lower is better); absent: the encoder's default. */
  crf: int.min(0).max(63).optional(),
  /** Frames per second; absent: the model's native rate. */
  fps: int.min(1).max(120).optional(),
});
export type ExportSettings = z.infer<typeof ExportSettingsSchema>;

export const DEFAULT_EXPORT: ExportSettings = { format: 'mp4' };

/** Ids the app hands out: uuids or short slugs, never paths. */
export const IdSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'not a valid id');
