import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../../test/fakeApi';
import { aliveStatus } from '../../test/fixtures';
import { createAppStore } from '../../store/store';
import { selectEngineBadge } from './selectors';

describe('engine badge', () => {
  it('puts the connection before the last known engine state', () => {
    const store = createAppStore(createFakeApi());
    const badge = () => selectEngineBadge(store.getState());
    expect(badge()).toBe('connecting');
    store.getState().engine.setConnection('open');
    store.getState().engine.setStatus(aliveStatus);
    expect(badge()).toBe('alive');
    store.getState().engine.setConnection('connecting');
    expect(badge()).toBe('reconnecting');
    store.getState().engine.setConnection('closed');
    expect(badge()).toBe('offline');
    store.getState().engine.setConnection('open');
    store.getState().engine.setStatus({ ...aliveStatus, state: 'dead' });
    expect(badge()).toBe('dead');
  });
});
