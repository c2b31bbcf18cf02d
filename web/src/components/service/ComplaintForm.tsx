// The hotline's intake form, keyboard first and in the order of the paper form: channel and
// category by one digit, the address completed from the address book (community → building,
// Enter picks; then unit and room), the phone and the resident's words. Enter or Ctrl+Enter
// submits (Shift+Enter is a new line in the words), Esc clears. A refusal shows beside the field
// the API named; nothing is kept half-written on the server.

import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { CATEGORIES, CHANNELS, type BuildingEntry, type Category, type Channel, type Complaint } from '../../../../model/service.ts';
import { useI18n } from '../../i18n.ts';
import { FieldError, serviceApi } from '../../service-api.ts';
import { useSubstationNames } from '../../substation-names.ts';
import { CompletionInput, type Completion } from './CompletionInput.tsx';
import { KeyChoice } from './KeyChoice.tsx';

/** A person takes these channels; 'proactive' is the plant's own (cold-homes orders). */
const INTAKE_CHANNELS = CHANNELS.filter((c): c is Exclude<Channel, 'proactive'> => c !== 'proactive');
/** Time to wait after a keystroke before asking the address book. */
const COMPLETION_DELAY_MS = 120;

interface Draft {
  channel: Channel;
  ticket: string;
  community: string;
  building: string;
  unit: string;
  room: string;
  phone: string;
  category: Category | undefined;
  words: string;
}

const EMPTY: Omit<Draft, 'channel'> = { ticket: '', community: '', building: '', unit: '', room: '', phone: '', category: undefined, words: '' };
type Field = keyof Draft;

/** The address book's buildings matching the words typed so far (community, then building), fetched as they are typed. */
function useAddressBook(words: string): BuildingEntry[] {
  const [entries, setEntries] = useState<BuildingEntry[]>([]);
  useEffect(() => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => serviceApi.addressBook(words, ctrl.signal).then(setEntries, () => undefined), COMPLETION_DELAY_MS);
    return () => (clearTimeout(timer), ctrl.abort());
  }, [words]);
  return entries;
}

export function ComplaintForm({ onCreated }: { onCreated: (c: Complaint) => void }) {
  const { t } = useI18n();
  const { nameOf } = useSubstationNames();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<Draft>({ channel: 'hotline', ...EMPTY });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  const entries = useAddressBook(`${draft.community} ${draft.building}`.trim());

  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(k in patch))));
  };
  const fields = () => [...(form.current?.querySelectorAll<HTMLElement>('[data-field]') ?? [])];
  const focusField = (field: Field) => fields().find((el) => el.dataset.field === field)?.focus();
  const focusAfter = (field: Field) => {
    const all = fields();
    all[all.findIndex((el) => el.dataset.field === field) + 1]?.focus();
  };

  const communities = useMemo<Completion[]>(() => {
    const seen = new Map<string, BuildingEntry[]>();
    for (const e of entries) seen.set(e.community, [...(seen.get(e.community) ?? []), e]);
    return [...seen].map(([community, buildings]) => ({ key: community, value: community, note: t('service.form.buildings', { n: buildings.length, substation: nameOf(buildings[0].substation) }) }));
  }, [entries, nameOf, t]);
  const buildings = useMemo<Completion[]>(
    () =>
      entries
        .filter((e) => e.community === draft.community && e.building.includes(draft.building.trim()))
        .map((e) => ({ key: e.building, value: e.building, note: `→ ${nameOf(e.substation)}` })),
    [entries, draft.community, draft.building, nameOf],
  );
  // The first field has the focus when the form appears: the operator starts typing at once.
  useEffect(() => focusField('channel'), []);
  const landing = entries.find((e) => e.community === draft.community && e.building === draft.building);

  const clear = () => {
    setDraft((d) => ({ channel: d.channel, ...EMPTY }));
    setErrors({});
    focusField('channel');
  };

  const submit = async () => {
    if (busy) return;
    if (draft.category === undefined) {
      setErrors({ category: t('service.form.pickCategory') });
      return focusField('category');
    }
    setBusy(true);
    setMessage(undefined);
    try {
      const created = await serviceApi.create({
        channel: draft.channel,
        ...(draft.ticket.trim() ? { ticket: draft.ticket.trim() } : {}),
        address: { community: draft.community.trim(), building: draft.building.trim(), unit: draft.unit.trim(), room: draft.room.trim() },
        phone: draft.phone.trim(),
        category: draft.category,
        words: draft.words.trim(),
      });
      setMessage({ ok: true, text: t('service.form.created', { id: created.id, substation: nameOf(created.substation) }) });
      clear();
      onCreated(created);
    } catch (e) {
      const field = e instanceof FieldError ? (e.field as Field | undefined) : undefined;
      if (field && field in draft) {
        setErrors({ [field]: (e as Error).message });
        focusField(field);
      } else {
        setMessage({ ok: false, text: (e as Error).message });
      }
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    // A completion list or choice that used the key has said so.
    if (e.defaultPrevented) return;
    // Enter on a button presses it (submit or clear); Ctrl+Enter submits from anywhere.
    const onButton = e.target instanceof HTMLButtonElement && !(e.ctrlKey || e.metaKey);
    if (e.key === 'Escape') {
      e.preventDefault();
      clear();
    } else if (e.key === 'Enter' && !onButton && (e.ctrlKey || e.metaKey || !e.shiftKey)) {
      e.preventDefault();
      void submit();
    }
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };

  const text = (field: Exclude<Field, 'channel' | 'category' | 'community' | 'building'>, extra: { type?: string; inputMode?: 'numeric' | 'tel' } = {}) => (
    <label className={`svc-field svc-${field}`}>
      <span className="svc-label">{t(`service.field.${field}`)}</span>
      <input value={draft[field]} onChange={(e) => set({ [field]: e.target.value })} data-field={field} data-testid={`svc-${field}`} aria-invalid={errors[field] ? true : undefined} autoComplete="off" {...extra} />
      {errors[field] && <span className="error svc-error" data-testid={`svc-${field}-error`}>{errors[field]}</span>}
    </label>
  );

  return (
    <form ref={form} className="panel svc-intake" data-testid="svc-intake" onKeyDown={onKeyDown} onSubmit={onSubmit} noValidate>
      <div className="panel-head">
        <h2>{t('service.form.title')}</h2>
        <small className="muted">{t('service.form.keys')}</small>
      </div>
      <div className="svc-row">
        <KeyChoice field="channel" label={t('service.field.channel')} options={INTAKE_CHANNELS} value={draft.channel} labelOf={(c) => t(`service.channel.${c}`)} onChange={(channel) => set({ channel })} onPicked={() => focusAfter('channel')} error={errors.channel} />
        {text('ticket')}
      </div>
      <div className="svc-row svc-address">
        <CompletionInput field="community" label={t('service.field.community')} value={draft.community} completions={communities} onChange={(community) => set({ community })} onPick={(c) => (set({ community: c.value, building: '' }), focusAfter('community'))} error={errors.community} />
        <CompletionInput field="building" label={t('service.field.building')} value={draft.building} completions={buildings} onChange={(building) => set({ building })} onPick={(c) => (set({ building: c.value }), focusAfter('building'))} error={errors.building} />
        {text('unit')}
        {text('room')}
      </div>
      <p className="muted svc-landing" data-testid="svc-landing">{landing ? t('service.form.landsOn', { substation: nameOf(landing.substation) }) : '\u00a0'}</p>
      <div className="svc-row">{text('phone', { type: 'tel', inputMode: 'tel' })}</div>
      <KeyChoice field="category" label={t('service.field.category')} options={CATEGORIES} value={draft.category} labelOf={(c) => t(`service.category.${c}`)} onChange={(category) => set({ category })} onPicked={() => focusAfter('category')} error={errors.category} />
      <label className="svc-field">
        <span className="svc-label">{t('service.field.words')}</span>
        <textarea rows={2} value={draft.words} onChange={(e) => set({ words: e.target.value })} data-field="words" data-testid="svc-words" aria-invalid={errors.words ? true : undefined} />
        {errors.words && <span className="error svc-error" data-testid="svc-words-error">{errors.words}</span>}
      </label>
      <div className="svc-row">
        <button type="submit" disabled={busy} data-testid="svc-submit">{t('service.form.submit')}</button>
        <button type="button" onClick={clear}>{t('service.form.clear')}</button>
        {message && <span className={message.ok ? 'muted' : 'error'} data-testid="svc-form-message">{message.text}</span>}
      </div>
    </form>
  );
}
