// Users (admins only): every account with its role (and a crew member's crew); add one with a
// role and a password, change a role, reset a password, disable or delete. The server refuses what breaks its rules (a short
// password, a taken name) and its message shows here with the code.

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ALL_ROLES, type Role } from '../../../model/security.ts';
import { PASSWORD_LENGTH } from '../../../model/security.ts';
import { adminApi, type UserChange, type UserRow } from '../admin-api.ts';
import { ApiError } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n.ts';

function RoleSelect({ value, onChange, testId }: { value: Role; onChange: (r: Role) => void; testId?: string }) {
  const { t } = useI18n();
  return (
    <select value={value} onChange={(e) => onChange(e.target.value as Role)} data-testid={testId}>
      {ALL_ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
    </select>
  );
}

function PasswordReset({ onSave }: { onSave: (password: string) => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  return (
    <form className="inline" onSubmit={(e) => { e.preventDefault(); onSave(password); setPassword(''); }}>
      <input type="password" autoComplete="new-password" placeholder={t('users.newPassword')} value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" disabled={password === ''}>{t('users.reset')}</button>
    </form>
  );
}

export default function Users() {
  const { t } = useI18n();
  const [users, setUsers] = useState<UserRow[]>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [password, setPassword] = useState('');
  const [crew, setCrew] = useState('');

  const fail = (e: unknown) => setMessage({ ok: false, text: e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message });
  const reload = useCallback(() => adminApi.users().then(setUsers, fail), []);
  useEffect(() => void reload(), [reload]);

  /** Runs a change, reloads the list and says what happened. */
  const run = (p: Promise<unknown>, done: string) => p.then(() => (setMessage({ ok: true, text: done }), reload()), fail);
  const change = (u: UserRow, c: UserChange, done: string) => {
    if (c.password !== undefined && c.password.length < PASSWORD_LENGTH.min) return setMessage({ ok: false, text: t('users.tooShort', { n: PASSWORD_LENGTH.min }) });
    void run(adminApi.changeUser(u.name, c), done);
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (password.length < PASSWORD_LENGTH.min) return setMessage({ ok: false, text: t('users.tooShort', { n: PASSWORD_LENGTH.min }) });
    void run(adminApi.addUser(name.trim(), role, password, role === 'crew' ? crew.trim() : undefined), t('users.added', { name: name.trim() })).then(() => {
      setName('');
      setPassword('');
    });
  };
  // A crew member belongs to a crew: moving someone into the crew role asks which.
  const roleTo = (u: UserRow, r: Role) => {
    const crewOf = r === 'crew' ? prompt(t('service.users.crew'))?.trim() : undefined;
    if (r === 'crew' && !crewOf) return;
    change(u, { role: r, ...(crewOf ? { crew: crewOf } : {}) }, t('users.roleChanged', { name: u.name, role: t(`role.${r}`) }));
  };
  const remove = (u: UserRow) => {
    if (confirm(t('users.confirmDelete', { name: u.name }))) void run(adminApi.deleteUser(u.name), t('users.deleted', { name: u.name }));
  };

  return (
    <section className="users">
      <h2>{t('users.title')}</h2>
      <form className="toolbar" onSubmit={add} data-testid="add-user">
        <strong>{t('users.add')}</strong>
        <input placeholder={t('users.name')} autoComplete="off" required value={name} onChange={(e) => setName(e.target.value)} data-testid="add-user-name" />
        <RoleSelect value={role} onChange={setRole} testId="add-user-role" />
        {role === 'crew' && <input placeholder={t('service.users.crew')} autoComplete="off" required value={crew} onChange={(e) => setCrew(e.target.value)} data-testid="add-user-crew" />}
        <input type="password" autoComplete="new-password" placeholder={t('users.password', { n: PASSWORD_LENGTH.min })} required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="add-user-password" />
        <button type="submit" data-testid="add-user-submit">{t('users.addButton')}</button>
      </form>
      {message && <p className={message.ok ? 'muted' : 'error'} role="status" data-testid="users-message">{message.text}</p>}
      {!users ? (
        <p className="muted">{t('trend.loading')}</p>
      ) : (
        <table className="table" data-testid="users-table">
          <thead>
            <tr><th>{t('users.name')}</th><th>{t('users.role')}</th><th>{t('users.created')}</th><th>{t('users.state')}</th><th>{t('users.resetPassword')}</th><th /></tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.name} data-user={u.name} className={u.disabled ? 'muted' : ''}>
                <td>{u.name}</td>
                <td>
                  <RoleSelect value={u.role} onChange={(r) => roleTo(u, r)} />
                  {u.crew && <small className="muted" data-testid="user-crew"> {t('service.users.crewOf', { crew: u.crew })}</small>}
                </td>
                <td>{formatDateTime(u.createdAt)}</td>
                <td>{u.disabled ? t('users.disabled') : t('users.active')}</td>
                <td><PasswordReset onSave={(p) => change(u, { password: p }, t('users.passwordReset', { name: u.name }))} /></td>
                <td>
                  <button type="button" onClick={() => change(u, { disabled: !u.disabled }, t(u.disabled ? 'users.enabledMsg' : 'users.disabledMsg', { name: u.name }))}>
                    {t(u.disabled ? 'users.enable' : 'users.disable')}
                  </button>{' '}
                  <button type="button" onClick={() => remove(u)}>{t('users.delete')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
