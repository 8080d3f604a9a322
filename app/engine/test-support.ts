// Test helper (imported only by *.test.ts): whether the native engine can be loaded here. Tests
// that need it are skipped locally when it cannot, with the reason, and fail under CI (CI=true) or
// TESSERA_REQUIRE_ENGINE=1, so a broken build never passes there.
import { loadNative } from './native.js';

export function engineUnavailable(): string | null {
  try {
    loadNative();
    return null;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (process.env.CI || process.env.TESSERA_REQUIRE_ENGINE) {
      throw new Error(`the native engine is required here but cannot be loaded: ${reason}`);
    }
    console.warn(`skipping engine tests: ${reason}`);
    return reason;
  }
}
