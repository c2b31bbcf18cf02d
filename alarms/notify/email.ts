import { readFileSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import { HeatScadaError } from '../../model/errors.ts';
import type { EmailConfig, SmtpConfig } from '../config-schema.ts';
import { emailText } from './email-text.ts';
import type { LocalTime } from './local-time.ts';
import type { Deliver } from './outbox.ts';
import type { NotifyMessage } from './router.ts';
import { mailRecipient } from './targets.ts';

// E-mail delivery over SMTP, the outbox's second channel: the queued message becomes a mail to
// the target's recipient. Any refusal (a 421 busy, a 451 greylisting, no answer in time) is a
// failure the outbox retries with back-off; the mail counts as sent once the server has taken
// it. Its Message-ID comes from the outbox row, so should the engine die between the server's
// 250 and the row being marked, the second copy carries the same Message-ID and mail clients
// show it once.

const PATH = '/alarms/email/smtp';

/** The SMTP password from the configuration or its file; read at start so a bad one fails there. */
export function smtpPassword(smtp: SmtpConfig): string | undefined {
  if (smtp.password !== undefined && smtp.password_file !== undefined) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'give password or password_file, not both', `${PATH}/password_file`);
  }
  let password = smtp.password;
  if (smtp.password_file !== undefined) {
    try {
      password = readFileSync(smtp.password_file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `cannot read ${smtp.password_file}: ${(e as Error).message}`, `${PATH}/password_file`);
    }
  }
  if ((smtp.user === undefined) !== (password === undefined)) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'user and password (or password_file) go together', `${PATH}/${smtp.user === undefined ? 'user' : 'password'}`);
  }
  return password;
}

export function emailDelivery(email: EmailConfig, clock: LocalTime): Deliver {
  const { smtp } = email;
  const password = smtpPassword(smtp);
  const timeoutMs = smtp.timeout_s * 1000;
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: password } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const domain = smtp.from.match(/@([^>\s]+)/)?.[1] ?? 'heatscada';
  return async (target, body, key) => {
    const message = JSON.parse(body) as NotifyMessage;
    const { subject, text } = emailText(message, email.language, clock);
    try {
      await transport.sendMail({ from: smtp.from, to: mailRecipient(target), subject, text, messageId: `<heatscada-notify-${key}-${message.ts}@${domain}>` });
    } catch (e) {
      const err = e as Error & { responseCode?: number; code?: string };
      throw new HeatScadaError('HS_ERR_NOTIFY_FAILED', `SMTP ${err.responseCode ?? err.code ?? ''} ${err.message}`.trim(), `${smtp.host}:${smtp.port}`);
    }
  };
}
