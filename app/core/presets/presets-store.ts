// Saved presets: attention-window presets (built-in dense/STA/Attention Tile ones plus the
// user's own) and generation presets for the prompt editor.
import { randomUUID } from 'node:crypto';
import type { AttnConfig, GenerationPreset, WindowPreset, WindowPresetKind } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import type { GenerateParams } from '../../engine/types.js';
import type { Db } from '../db/database.js';

/** Built-in window presets. Step ranges follow the papers: the first steps stay dense. */
export const builtinWindowPresets: readonly WindowPreset[] = [
  {
    id: 'builtin-dense', name: 'Dense (full attention)', kind: 'dense', config: { tile: [6, 8, 8], rules: [] },
    modelId: null, note: 'Every query attends to every key.', builtin: true, updatedAt: 0,
  },
  {
    id: 'builtin-sta-555', name: 'STA 5×5×5 tiles after step 12', kind: 'custom',
    config: { tile: [6, 8, 8], rules: [{ steps: [12, -1], pattern: 'sta', window: [5, 5, 5] }] },
    modelId: null, note: 'Sliding-tile attention, moderate sparsity; steps 0-11 dense.', builtin: true, updatedAt: 0,
  },
  {
    id: 'builtin-sta-333', name: 'STA 3×3×3 tiles after step 12', kind: 'custom',
    config: { tile: [6, 8, 8], rules: [{ steps: [12, -1], pattern: 'sta', window: [3, 3, 3] }] },
    modelId: null, note: 'Sliding-tile attention, high sparsity; steps 0-11 dense.', builtin: true, updatedAt: 0,
  },
  {
    id: 'builtin-tile-1', name: 'Attention Tile 1:(F-1) after step 1', kind: 'custom',
    config: { tile: [6, 8, 8], rules: [{ steps: [1, -1], pattern: 'tile', globalFrames: 1 }] },
    modelId: null, note: 'Diagonal frame blocks plus the first latent frame as global reference.', builtin: true, updatedAt: 0,
  },
];

interface Row { id: string; family: string; name: string; data: string; updated_at: number }

export class PresetsStore {
  constructor(private readonly db: Db) {}

  windowPresets(): WindowPreset[] {
    const rows = this.db.prepare<[], Row>(`SELECT * FROM presets WHERE family = 'attention' ORDER BY name`).all();
    return [...builtinWindowPresets, ...rows.map((r) => {
      const d = JSON.parse(r.data) as { kind: WindowPresetKind; config: AttnConfig; modelId: string | null; note: string };
      return { id: r.id, name: r.name, kind: d.kind, config: d.config, modelId: d.modelId, note: d.note, builtin: false, updatedAt: r.updated_at };
    })];
  }

  saveWindowPreset(p: { id?: string | undefined; name: string; kind: WindowPresetKind; config: AttnConfig;
    modelId?: string | null | undefined; note?: string | undefined }): WindowPreset {
    if (p.id && builtinWindowPresets.some((b) => b.id === p.id)) {
      throw new ApiError('CONFLICT', 'built-in presets cannot be changed; save under a new name');
    }
    const id = p.id ?? randomUUID();
    const data = { kind: p.kind, config: p.config, modelId: p.modelId ?? null, note: p.note ?? '' };
    this.upsert(id, 'attention', p.name, data);
    return this.windowPresets().find((x) => x.id === id)!;
  }

  generationPresets(): GenerationPreset[] {
    return this.db.prepare<[], Row>(`SELECT * FROM presets WHERE family = 'generation' ORDER BY name`).all()
      .map((r) => ({ id: r.id, name: r.name, params: JSON.parse(r.data) as Partial<GenerateParams>, updatedAt: r.updated_at }));
  }

  saveGenerationPreset(p: { id?: string | undefined; name: string; params: Partial<GenerateParams> }): GenerationPreset {
    const id = p.id ?? randomUUID();
    this.upsert(id, 'generation', p.name, p.params);
    return this.generationPresets().find((x) => x.id === id)!;
  }

  delete(id: string, family: 'attention' | 'generation'): boolean {
    if (builtinWindowPresets.some((b) => b.id === id)) throw new ApiError('CONFLICT', 'built-in presets cannot be deleted');
    return this.db.prepare('DELETE FROM presets WHERE id = ? AND family = ?').run(id, family).changes > 0;
  }

  private upsert(id: string, family: string, name: string, data: unknown): void {
    const existing = this.db.prepare<[string], Row>('SELECT * FROM presets WHERE id = ?').get(id);
    if (existing && existing.family !== family) throw new ApiError('CONFLICT', `preset ${id} is a ${existing.family} preset`);
    this.db.prepare(`INSERT INTO presets (id, family, name, data, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, data = excluded.data, updated_at = excluded.updated_at`)
      .run(id, family, name, JSON.stringify(data), Date.now());
  }
}
