import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/render';
import { PromptEditor } from './PromptEditor';

describe('PromptEditor', () => {
  it('explains invalid sizes and blocks Generate until fixed', async () => {
    const { api } = await renderApp(<PromptEditor />);
    fireEvent.change(screen.getByRole('textbox', { name: 'Prompt' }), { target: { value: 'a ball' } });
    fireEvent.change(screen.getByLabelText('Frames'), { target: { value: '18' } });
    expect(screen.getAllByText(/frames must be 4n\+1 \(nearest: 17\)/).length).toBeGreaterThan(0);
    const generate = screen.getByTestId('generate') as HTMLButtonElement;
    expect(generate.disabled).toBe(true);
    fireEvent.blur(screen.getByLabelText('Frames'));
    expect((screen.getByLabelText('Frames') as HTMLInputElement).value).toBe('17');
    expect(generate.disabled).toBe(false);
    fireEvent.click(generate);
    await waitFor(() => expect(api.callsOf('generate.submit')).toHaveLength(1));
  });

  it('switches to the few-step sampler with a timestep list', async () => {
    const { api } = await renderApp(<PromptEditor />);
    fireEvent.change(screen.getByRole('textbox', { name: 'Prompt' }), { target: { value: 'a ball' } });
    fireEvent.click(screen.getByRole('button', { name: 'Few-step' }));
    fireEvent.change(screen.getByLabelText('Timesteps'), { target: { value: '1000, 757, 522' } });
    expect((screen.getByLabelText('Steps') as HTMLInputElement).value).toBe('3');
    fireEvent.change(screen.getByLabelText('Timesteps'), { target: { value: '500, 900' } });
    expect(screen.getByText(/must decrease/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('generate'));
    await waitFor(() => expect(api.callsOf('generate.submit')).toHaveLength(1));
    expect(api.callsOf('generate.submit')[0].params).toMatchObject({ sampler: 'fewstep', timesteps: [1000, 757, 522], steps: 3 });
  });

  it('shows the memory estimate for the current settings', async () => {
    await renderApp(<PromptEditor />);
    await waitFor(() => expect(screen.getByTestId('memory-estimate').textContent).toMatch(/Peak 2\.9 MB of 7\.5 GB/));
    expect(screen.getByTestId('memory-estimate').textContent).toContain('Fits');
  });
});
