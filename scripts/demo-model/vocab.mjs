// The demo model's tokenizer: a WordLevel vocabulary of the words a synthetic-clip caption uses
// (shapes, colours, sizes, counts, motions, backgrounds), with umT5's special ids
// <pad> = 0, </s> = 1, <unk> = 2. Lower-cased, split on whitespace and punctuation.
export const WORDS = [
  // articles, counts and glue words
  'a', 'an', 'the', 'one', 'two', 'three', 'four', 'five', 'single', 'pair', 'several', 'many', 'of', 'on', 'in',
  'over', 'under', 'with', 'and', 'against', 'through', 'across', 'around', 'into', 'from', 'to', 'each', 'other',
  ',', '.',
  // shapes
  'ball', 'balls', 'sphere', 'spheres', 'cube', 'cubes', 'box', 'boxes', 'square', 'squares', 'circle', 'circles',
  'triangle', 'triangles', 'star', 'stars', 'ring', 'rings', 'disk', 'disks', 'cylinder', 'cone', 'pyramid', 'heart',
  'dot', 'dots', 'line', 'lines', 'shape', 'shapes',
  // colours
  'red', 'green', 'blue', 'yellow', 'orange', 'purple', 'pink', 'white', 'black', 'gray', 'grey', 'brown', 'cyan',
  'magenta', 'gold', 'silver', 'colorful',
  // sizes
  'tiny', 'small', 'medium', 'large', 'big', 'huge',
  // motions
  'bouncing', 'rolling', 'spinning', 'rotating', 'moving', 'sliding', 'falling', 'rising', 'floating', 'orbiting',
  'flying', 'jumping', 'drifting', 'growing', 'shrinking', 'pulsing', 'swinging', 'zooming', 'still', 'left', 'right',
  'up', 'down', 'slowly', 'quickly', 'fast', 'slow', 'back', 'forth',
  // backgrounds
  'background', 'sky', 'grass', 'floor', 'wall', 'water', 'space', 'night', 'day', 'plain', 'dark', 'light',
  'bright', 'gradient', 'checkered', 'striped', 'scene',
  // for negative prompts
  'static', 'blurry', 'noisy', 'distorted', 'low', 'quality',
];

export const SPECIAL = ['<pad>', '</s>', '<unk>'];

export function tokenizerJson() {
  const vocab = {};
  SPECIAL.forEach((t, i) => { vocab[t] = i; });
  WORDS.forEach((w, i) => {
    if (w in vocab) throw new Error(`duplicate word ${w}`);
    vocab[w] = SPECIAL.length + i;
  });
  const added = SPECIAL.map((content, id) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
}

export function tokenizerConfig() {
  return { eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', model_max_length: 64, tokenizer_class: 'T5Tokenizer' };
}
