import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

// Tests run without vitest globals, so Testing Library cannot register its own cleanup.
afterEach(() => cleanup());
