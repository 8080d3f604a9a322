// Small form and status primitives, labelled and keyboard-usable.
import { useId, type ReactNode, type InputHTMLAttributes, type SelectHTMLAttributes, type ButtonHTMLAttributes } from 'react';

export function Field({ label, hint, error, children, id }: { label: string; hint?: ReactNode; error?: string | null; children: (id: string, describedBy: string | undefined) => ReactNode; id?: string }) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = hint ? `${fid}-hint` : undefined;
  const errId = error ? `${fid}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={fid}>{label}</label>
      {children(fid, describedBy)}
      {hint && <div className="field__hint" id={hintId}>{hint}</div>}
      {error && <div className="field__error" id={errId} role="alert">{error}</div>}
    </div>
  );
}

type NumberInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type'> & {
  value: number;
  onValue: (v: number) => void;
};

/** A number input that reports only finite numbers (an empty or partial entry is left alone). */
export function NumberInput({ value, onValue, ...rest }: NumberInputProps) {
  return (
    <input
      type="number"
      inputMode="decimal"
      value={Number.isFinite(value) ? value : ''}
      onChange={(e) => {
        const v = e.currentTarget.valueAsNumber;
        if (Number.isFinite(v)) onValue(v);
      }}
      {...rest}
    />
  );
}

export function Select<T extends string>({ value, options, onValue, ...rest }: Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> & { value: T; options: Array<{ value: T; label: string }>; onValue: (v: T) => void }) {
  return (
    <select value={value} onChange={(e) => onValue(e.currentTarget.value as T)} {...rest}>
      {options.map((o) => (
        <option key={o.value} value={o.value}>{o.label}</option>
      ))}
    </select>
  );
}

export function Button({ variant = 'default', className, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'default' | 'primary' | 'danger' | 'ghost' }) {
  return <button type="button" className={`btn btn--${variant}${className ? ` ${className}` : ''}`} {...rest} />;
}

export function ErrorBanner({ error, onDismiss, title }: { error: { code: string | null; message: string } | null | undefined; onDismiss?: () => void; title?: string }) {
  if (!error) return null;
  return (
    <div className="banner banner--error" role="alert" data-code={error.code ?? undefined}>
      <div>
        <strong>{title ?? 'Something went wrong'}</strong>
        {error.code && <span className="banner__code">{error.code}</span>}
        <div className="banner__message">{error.message}</div>
      </div>
      {onDismiss && <Button variant="ghost" aria-label="Dismiss" onClick={onDismiss}>×</Button>}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty__title">{title}</div>
      {children && <div className="empty__body">{children}</div>}
    </div>
  );
}

export function Meter({ value, label, tone = 'accent' }: { value: number; label: string; tone?: 'accent' | 'warn' | 'bad' }) {
  const pct = Math.max(0, Math.min(1, value)) * 100;
  return (
    <div className={`meter meter--${tone}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
      <div className="meter__fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function Badge({ tone, children, title }: { tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info'; children: ReactNode; title?: string }) {
  return <span className={`badge badge--${tone}`} title={title}>{children}</span>;
}

export function Section({ title, actions, children, className }: { title: string; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`panel${className ? ` ${className}` : ''}`} aria-label={title}>
      <header className="panel__head">
        <h2>{title}</h2>
        {actions && <div className="panel__actions">{actions}</div>}
      </header>
      <div className="panel__body">{children}</div>
    </section>
  );
}
