import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/render';
import { job } from '../../test/fixtures';
import { QueuePage } from './QueuePage';

describe('QueuePage', () => {
  it('reorders queued jobs with Alt+Arrow keys and buttons', async () => {
    const { api } = await renderApp(<QueuePage />);
    const first = document.querySelector('[data-job-id="q1"]') as HTMLElement;
    fireEvent.keyDown(first, { key: 'ArrowDown', altKey: true });
    await waitFor(() => expect(api.callsOf('queue.reorder')).toHaveLength(1));
    expect(api.callsOf('queue.reorder')[0].ids).toEqual(['q2', 'q1', 'q3']);
    const order = () => [...document.querySelectorAll('[data-job-id]')].map((e) => e.getAttribute('data-job-id'));
    await waitFor(() => expect(order()).toEqual(['q2', 'q1', 'q3']));
    const third = document.querySelector('[data-job-id="q3"]') as HTMLElement;
    fireEvent.click(within(third).getByRole('button', { name: 'Move up' }));
    await waitFor(() => expect(api.callsOf('queue.reorder')[1].ids).toEqual(['q2', 'q3', 'q1']));
  });

  it('reorders by drag and drop', async () => {
    const { api } = await renderApp(<QueuePage />);
    const row = (id: string) => document.querySelector(`[data-job-id="${id}"]`) as HTMLElement;
    const dataTransfer = { setData: () => {}, effectAllowed: '' };
    fireEvent.dragStart(row('q3'), { dataTransfer });
    fireEvent.dragOver(row('q1'), { dataTransfer });
    fireEvent.drop(row('q1'), { dataTransfer });
    await waitFor(() => expect(api.callsOf('queue.reorder')[0]?.ids).toEqual(['q3', 'q1', 'q2']));
  });

  it('shows states from events, cancels and retries', async () => {
    const { api } = await renderApp(<QueuePage />, { 'queue.retry': ({ id }) => job({ id, state: 'queued', position: 9 }) });
    act(() => api.emit('job.updated', job({ id: 'q1', state: 'interrupted', label: 'first' })));
    const r1 = document.querySelector('[data-job-id="q1"]') as HTMLElement;
    expect(r1.getAttribute('data-state')).toBe('interrupted');
    fireEvent.click(within(r1).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(api.callsOf('queue.retry')).toEqual([{ id: 'q1' }]));
    const r2 = document.querySelector('[data-job-id="q2"]') as HTMLElement;
    fireEvent.click(within(r2).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(api.callsOf('queue.cancel')).toEqual([{ id: 'q2' }]));
    await waitFor(() => expect(document.querySelector('[data-job-id="q2"]')?.getAttribute('data-state')).toBe('cancelled'));
  });

  it('previews a batch and submits it', async () => {
    const { api } = await renderApp(<QueuePage />, { 'queue.submitBatch': () => ({ batchId: 'b', jobs: [job({ id: 'b1' }), job({ id: 'b2' })] }) });
    fireEvent.change(screen.getByLabelText(/^Prompts/), { target: { value: 'one\ntwo' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sweep' }));
    fireEvent.change(screen.getByLabelText('Count'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Steps'), { target: { value: '4, 8' } });
    expect(screen.getByTestId('batch-count').textContent).toBe('12 jobs');
    fireEvent.click(screen.getByRole('button', { name: 'Queue 12 jobs' }));
    await waitFor(() => expect(api.callsOf('queue.submitBatch')).toHaveLength(1));
    expect(api.callsOf('queue.submitBatch')[0]).toMatchObject({ prompts: ['one', 'two'], seeds: { from: 0, count: 3 }, grid: { steps: [4, 8] } });
    fireEvent.change(screen.getByLabelText('Frames'), { target: { value: '10' } });
    expect(screen.getByText('frames must be 4n+1')).toBeTruthy();
  });
});
