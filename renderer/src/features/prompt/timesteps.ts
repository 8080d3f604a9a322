// The few-step sampler's explicit timestep list, as typed by the user ("1000, 757, 522").
export function parseTimesteps(text: string): { ok: true; values: number[] } | { ok: false; error: string } {
  const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return { ok: false, error: 'enter timesteps, e.g. 1000, 757, 522' };
  const values: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 1000) return { ok: false, error: `"${p}" is not a whole number from 0 to 1000` };
    values.push(v);
  }
  for (let i = 1; i < values.length; i++)
    if (values[i] >= values[i - 1]) return { ok: false, error: 'timesteps must decrease (noisiest first)' };
  if (values.length > 64) return { ok: false, error: 'at most 64 timesteps' };
  return { ok: true, values };
}
