// Seeded normal samples: xoshiro128** (seeded by SplitMix32) -> 53-bit uniform doubles ->
// Box-Muller. Integer arithmetic plus Math.log/sqrt/cos/sin: the same seed gives the same bytes on
// every machine.
export function normalSampler(seed) {
  let x = seed >>> 0;
  const splitmix32 = () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32(), b = splitmix32(), c = splitmix32(), d = splitmix32();
  const next32 = () => {
    const result = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = (d << 11) | (d >>> 21);
    return result;
  };
  const uniform = () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992; // [0, 1)
  let spare = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - uniform(); // (0, 1]
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}
