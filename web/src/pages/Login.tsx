// The login page: user name and password. A wrong password and a throttled login say so
// plainly; the password field empties after a failure.

import { useState, type FormEvent } from 'react';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { useI18n, type MessageKey } from '../i18n.ts';
import { ApiError, login } from '../session.ts';

const MESSAGES: Record<string, MessageKey> = { HS_ERR_AUTH_FAILED: 'login.failed', HS_ERR_AUTH_RATE: 'login.rate' };

export function Login() {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    login(username.trim(), password).catch((err: unknown) => {
      const key = err instanceof ApiError ? MESSAGES[err.code] : undefined;
      setError(key ? t(key) : t('login.error', { message: (err as Error).message }));
      setPassword('');
      setBusy(false);
    });
  };

  return (
    <div className="login">
      <form className="panel login-form" onSubmit={submit} data-testid="login-form">
        <h1>{t('app.title')}</h1>
        <label>
          {t('login.user')}
          <input name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} data-testid="login-user" />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
        </label>
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" disabled={busy} data-testid="login-submit">{t('login.submit')}</button>
        <LanguageSwitch />
      </form>
    </div>
  );
}
