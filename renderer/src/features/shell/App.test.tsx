import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/render';
import { aliveStatus } from '../../test/fixtures';
import { App } from './App';
import { SURFACES, SURFACE_LABELS } from './slice';

describe('App', () => {
  it('renders every surface with its main heading', async () => {
    const { store } = await renderApp(<App />);
    const expected: Record<string, string> = {
      create: 'Prompt', attention: 'Rules', maps: 'Attention map', queue: 'Queue', gallery: 'Gallery (1)', models: 'Installed models', settings: 'Appearance',
    };
    for (const s of SURFACES) {
      act(() => store.getState().shell.go(s));
      expect(within(screen.getByRole('navigation')).getByRole('button', { name: new RegExp(SURFACE_LABELS[s]) }).getAttribute('aria-current')).toBe('page');
      expect(screen.getByRole('heading', { name: expected[s] })).toBeTruthy();
    }
  });

  it('switches surfaces with Alt+digit and always shows the engine state', async () => {
    const { api } = await renderApp(<App />);
    fireEvent.keyDown(window, { key: '4', altKey: true });
    expect(document.querySelector('main')?.getAttribute('data-surface')).toBe('queue');
    expect(document.querySelector('[data-engine-state]')?.getAttribute('data-engine-state')).toBe('alive');
    act(() => api.emit('engine.status', { ...aliveStatus, state: 'restarting', nextRestartAt: Date.now() + 2000, lastError: 'engine crashed (SIGSEGV)' }));
    expect(document.querySelector('[data-engine-state]')?.getAttribute('data-engine-state')).toBe('restarting');
    expect(screen.getByText(/Engine restarting/)).toBeTruthy();
    act(() => api.emit('engine.status', { ...aliveStatus, state: 'dead', lastError: 'gave up after 5 crashes' }));
    expect(screen.getByRole('button', { name: 'Restart engine' })).toBeTruthy();
    expect(screen.getByText('gave up after 5 crashes')).toBeTruthy();
  });

  it('generates with Ctrl+Enter from anywhere', async () => {
    const { api, store } = await renderApp(<App />);
    fireEvent.change(screen.getByRole('textbox', { name: 'Prompt' }), { target: { value: 'a green cube' } });
    fireEvent.keyDown(window, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(api.callsOf('generate.submit')).toHaveLength(1));
    expect(api.callsOf('generate.submit')[0].params).toMatchObject({ prompt: 'a green cube', width: 128, frames: 17, seed: 4242 });
    await waitFor(() => expect(store.getState().queue.byId.new).toBeDefined());
    const preview = screen.getByRole('region', { name: 'Live preview' });
    expect(within(preview).getByText('a green cube')).toBeTruthy();
  });
});
