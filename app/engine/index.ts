// The engine as the app uses it: createEngine over the native addon, typed errors, the prompt
// tokenizer, the demo model's location, and the contract types.
export { createEngine } from './engine.js';
export { EngineError, isEngineErrorCode, toEngineError } from './errors.js';
export { demoModelDir } from './demo-model.js';
export { WAN21_NEGATIVE_PROMPT } from './model-extras.js';
export { addonCandidates, loadNative, type NativeAddon } from './native.js';
export { PromptTokenizer, findTokenizerJson } from './tokenizer.js';
export { cleanPrompt } from './text-clean.js';
export type * from './types.js';
