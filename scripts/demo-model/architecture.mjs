// Tensor lists of the three Wan2.1 components in the official checkpoints' key layout, derived
// from their constructor arguments (spec/wan21.md §4.1, §5.6-5.7, §6.3). Each entry says how the
// demo generator initialises it: 'normal' (std = gain / sqrt(fanIn)), 'ones' or 'zeros'.

const lin = (name, out, inp, bias = true) => [
  { name: `${name}.weight`, shape: [out, inp], init: 'normal', fanIn: inp },
  ...(bias ? [{ name: `${name}.bias`, shape: [out], init: 'zeros' }] : []),
];
const vec = (name, n, init) => ({ name, shape: [n], init });

/** WanModel(model_type='t2v', **config) state dict. */
export function ditTensors(cfg) {
  const { dim, ffn_dim: ffn, freq_dim: freq, text_dim: textDim, in_dim: inDim, out_dim: outDim, num_layers: layers } = cfg;
  const [pt, ph, pw] = cfg.patch_size;
  const t = [
    { name: 'patch_embedding.weight', shape: [dim, inDim, pt, ph, pw], init: 'normal', fanIn: inDim * pt * ph * pw },
    vec('patch_embedding.bias', dim, 'zeros'),
    ...lin('text_embedding.0', dim, textDim), ...lin('text_embedding.2', dim, dim),
    ...lin('time_embedding.0', dim, freq), ...lin('time_embedding.2', dim, dim),
    ...lin('time_projection.1', dim * 6, dim),
  ];
  for (let i = 0; i < layers; i++) {
    const b = `blocks.${i}`;
    t.push({ name: `${b}.modulation`, shape: [1, 6, dim], init: 'normal', fanIn: dim });
    for (const attn of ['self_attn', 'cross_attn']) {
      for (const p of ['q', 'k', 'v', 'o']) t.push(...lin(`${b}.${attn}.${p}`, dim, dim));
      t.push(vec(`${b}.${attn}.norm_q.weight`, dim, 'ones'), vec(`${b}.${attn}.norm_k.weight`, dim, 'ones'));
    }
    t.push(vec(`${b}.norm3.weight`, dim, 'ones'), vec(`${b}.norm3.bias`, dim, 'zeros'));
    t.push(...lin(`${b}.ffn.0`, ffn, dim), ...lin(`${b}.ffn.2`, dim, ffn));
  }
  t.push({ name: 'head.modulation', shape: [1, 2, dim], init: 'normal', fanIn: dim });
  t.push(...lin('head.head', outDim * pt * ph * pw, dim));
  return t;
}

/** Wan's T5Encoder(**config) state dict (umT5: per-layer relative position tables). */
export function t5Tensors(cfg) {
  const { vocab, dim, dim_attn: dimAttn, dim_ffn: ffn, num_heads: heads, num_layers: layers, num_buckets: buckets } = cfg;
  const t = [{ name: 'token_embedding.weight', shape: [vocab, dim], init: 'normal', fanIn: 1 }];
  for (let l = 0; l < layers; l++) {
    const b = `blocks.${l}`;
    t.push(vec(`${b}.norm1.weight`, dim, 'ones'));
    for (const p of ['q', 'k', 'v']) t.push(...lin(`${b}.attn.${p}`, dimAttn, dim, false));
    t.push(...lin(`${b}.attn.o`, dim, dimAttn, false));
    if (!cfg.shared_pos) t.push({ name: `${b}.pos_embedding.embedding.weight`, shape: [buckets, heads], init: 'normal', fanIn: 1, gain: 0.5 });
    t.push(vec(`${b}.norm2.weight`, dim, 'ones'));
    t.push(...lin(`${b}.ffn.gate.0`, ffn, dim, false), ...lin(`${b}.ffn.fc1`, ffn, dim, false), ...lin(`${b}.ffn.fc2`, dim, ffn, false));
  }
  if (cfg.shared_pos) t.push({ name: 'pos_embedding.embedding.weight', shape: [buckets, heads], init: 'normal', fanIn: 1, gain: 0.5 });
  t.push(vec('norm.weight', dim, 'ones'));
  return t;
}

const conv3d = (name, out, inp, k) => [
  { name: `${name}.weight`, shape: [out, inp, ...k], init: 'normal', fanIn: inp * k[0] * k[1] * k[2] },
  vec(`${name}.bias`, out, 'zeros'),
];
const conv2d = (name, out, inp, k) => [
  { name: `${name}.weight`, shape: [out, inp, k, k], init: 'normal', fanIn: inp * k * k },
  vec(`${name}.bias`, out, 'zeros'),
];
const gamma = (name, c, dims) => ({ name: `${name}.gamma`, shape: [c, ...Array(dims).fill(1)], init: 'ones' });

function residual(p, inp, out) {
  return [
    gamma(`${p}.residual.0`, inp, 3), ...conv3d(`${p}.residual.2`, out, inp, [3, 3, 3]),
    gamma(`${p}.residual.3`, out, 3), ...conv3d(`${p}.residual.6`, out, out, [3, 3, 3]),
    ...(inp !== out ? conv3d(`${p}.shortcut`, out, inp, [1, 1, 1]) : []),
  ];
}
function attention(p, c) {
  return [gamma(`${p}.norm`, c, 2), ...conv2d(`${p}.to_qkv`, 3 * c, c, 1), ...conv2d(`${p}.proj`, c, c, 1)];
}

/** WanVAE_(**config) state dict: encoder, decoder and the two 1x1x1 quant convs. */
export function vaeTensors(cfg) {
  const { dim, z_dim: z, dim_mult: mult, num_res_blocks: nres, temperal_downsample: tdown } = cfg;
  const t = [];
  // Encoder3d(dim, 2z): dims = dim * [1, ...mult]
  let dims = [1, ...mult].map((u) => dim * u);
  t.push(...conv3d('encoder.conv1', dims[0], 3, [3, 3, 3]));
  let idx = 0;
  for (let i = 0; i < mult.length; i++) {
    let inp = dims[i];
    const out = dims[i + 1];
    for (let r = 0; r < nres; r++) {
      t.push(...residual(`encoder.downsamples.${idx++}`, inp, out));
      inp = out;
    }
    if (i !== mult.length - 1) {
      const p = `encoder.downsamples.${idx++}`;
      t.push(...conv2d(`${p}.resample.1`, out, out, 3));
      if (tdown[i]) t.push(...conv3d(`${p}.time_conv`, out, out, [3, 1, 1]));
    }
  }
  const top = dims[dims.length - 1];
  t.push(...residual('encoder.middle.0', top, top), ...attention('encoder.middle.1', top), ...residual('encoder.middle.2', top, top));
  t.push(gamma('encoder.head.0', top, 3), ...conv3d('encoder.head.2', 2 * z, top, [3, 3, 3]));
  t.push(...conv3d('conv1', 2 * z, 2 * z, [1, 1, 1]), ...conv3d('conv2', z, z, [1, 1, 1]));
  // Decoder3d(dim, z): dims = dim * [mult[-1], ...reversed(mult)]; stages 1-3 start at half width
  const tup = [...tdown].reverse();
  dims = [mult[mult.length - 1], ...[...mult].reverse()].map((u) => dim * u);
  t.push(...conv3d('decoder.conv1', dims[0], z, [3, 3, 3]));
  t.push(...residual('decoder.middle.0', dims[0], dims[0]), ...attention('decoder.middle.1', dims[0]),
    ...residual('decoder.middle.2', dims[0], dims[0]));
  idx = 0;
  for (let i = 0; i < mult.length; i++) {
    let inp = i >= 1 && i <= 3 ? dims[i] / 2 : dims[i];
    const out = dims[i + 1];
    for (let r = 0; r < nres + 1; r++) {
      t.push(...residual(`decoder.upsamples.${idx++}`, inp, out));
      inp = out;
    }
    if (i !== mult.length - 1) {
      const p = `decoder.upsamples.${idx++}`;
      if (tup[i]) t.push(...conv3d(`${p}.time_conv`, out * 2, out, [3, 1, 1]));
      t.push(...conv2d(`${p}.resample.1`, out / 2, out, 3));
    }
  }
  const last = dims[dims.length - 1];
  t.push(gamma('decoder.head.0', last, 3), ...conv3d('decoder.head.2', 3, last, [3, 3, 3]));
  return t;
}
