// A text field with a list of completions under it: arrows move through the list, Enter picks
// (and the form does not submit), Esc closes the list (and the form is not cleared). Typing
// opens it again. The parent fetches the completions; this only presents them.

import { useState, type KeyboardEvent, type Ref } from 'react';

export interface Completion {
  key: string;
  /** What the field takes when this is picked. */
  value: string;
  /** What the list shows beside the value (the building's substation, …). */
  note?: string;
}

export interface CompletionInputProps {
  field: string;
  label: string;
  value: string;
  completions: readonly Completion[];
  onChange: (value: string) => void;
  onPick: (completion: Completion) => void;
  error?: string;
  inputRef?: Ref<HTMLInputElement>;
}

export function CompletionInput({ field, label, value, completions, onChange, onPick, error, inputRef }: CompletionInputProps) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const shown = open && completions.length > 0;
  const listId = `svc-${field}-list`;
  const pick = (c: Completion) => {
    setOpen(false);
    onPick(c);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!shown) return setOpen(true);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (a + step + completions.length) % completions.length);
    } else if (e.key === 'Enter' && shown && !e.ctrlKey) {
      e.preventDefault();
      pick(completions[Math.min(active, completions.length - 1)]);
    } else if (e.key === 'Escape' && shown) {
      e.preventDefault();
      setOpen(false);
    }
  };
  return (
    <label className="svc-field svc-completion">
      <span className="svc-label">{label}</span>
      <input
        ref={inputRef}
        value={value}
        role="combobox"
        aria-expanded={shown}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-invalid={error ? true : undefined}
        autoComplete="off"
        data-field={field}
        data-testid={`svc-${field}`}
        onChange={(e) => {
          onChange(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {shown && (
        <ul className="svc-completions" id={listId} role="listbox" data-testid={`svc-${field}-completions`}>
          {completions.map((c, i) => (
            // mousedown, not click: a click would blur the field and close the list first.
            <li key={c.key} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseDown={(e) => (e.preventDefault(), pick(c))}>
              <span>{c.value}</span>
              {c.note && <small className="muted"> {c.note}</small>}
            </li>
          ))}
        </ul>
      )}
      {error && <span className="error svc-error" data-testid={`svc-${field}-error`}>{error}</span>}
    </label>
  );
}
