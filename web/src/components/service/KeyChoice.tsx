// A choice made by one key, as on a hotline desk: each option has its digit (1 … 9), the digit
// picks it and hands the focus on; arrows step through the options. It is a radio group, so a
// screen reader and Tab treat it as one field.

import type { KeyboardEvent } from 'react';

export interface KeyChoiceProps<T extends string> {
  field: string;
  label: string;
  options: readonly T[];
  value: T | undefined;
  labelOf: (option: T) => string;
  onChange: (option: T) => void;
  /** After a digit picked an option: the form moves the focus to the next field. */
  onPicked?: () => void;
  error?: string;
}

export function KeyChoice<T extends string>({ field, label, options, value, labelOf, onChange, onPicked, error }: KeyChoiceProps<T>) {
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    const digit = Number(e.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= options.length) {
      e.preventDefault();
      onChange(options[digit - 1]);
      onPicked?.();
      return;
    }
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    const at = value === undefined ? (step > 0 ? -1 : 0) : options.indexOf(value);
    onChange(options[(at + step + options.length) % options.length]);
  };
  return (
    <div className="svc-field">
      <span className="svc-label" id={`svc-${field}-label`}>{label}</span>
      <div
        role="radiogroup"
        aria-labelledby={`svc-${field}-label`}
        aria-invalid={error ? true : undefined}
        tabIndex={0}
        className="svc-keychoice"
        data-field={field}
        data-testid={`svc-${field}`}
        data-value={value ?? ''}
        onKeyDown={onKeyDown}
      >
        {options.map((o, i) => (
          <span key={o} role="radio" aria-checked={o === value} className={`chip${o === value ? ' on' : ''}`} onClick={() => onChange(o)}>
            <kbd>{i + 1}</kbd> {labelOf(o)}
          </span>
        ))}
      </div>
      {error && <span className="error svc-error" data-testid={`svc-${field}-error`}>{error}</span>}
    </div>
  );
}
