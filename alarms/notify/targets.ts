import { HeatScadaError } from '../../model/errors.ts';
import type { AlarmsConfig, NotifyRoute } from '../config-schema.ts';
import type { Deliver } from './outbox.ts';

// Where a notification goes. A target is one string in the outbox: a webhook's URL, or
// `mailto:` and one recipient of an e-mail route, so both channels share the outbox's
// once-per-event-and-target queue, its retries and its restart safety. One row per recipient:
// a server that greylists one address and takes the other must not make the other a duplicate
// on the retry, and a person on two routes gets one mail.

export interface NotifyTarget {
  target: string;
  route: NotifyRoute;
  escalation: boolean;
}

const MAILTO = 'mailto:';

export const mailRecipient = (target: string): string => target.slice(MAILTO.length);

/** Every webhook and e-mail route of the configuration. */
export function notifyTargets(config: Pick<AlarmsConfig, 'webhooks' | 'email'>): NotifyTarget[] {
  return [
    ...config.webhooks.map((w) => ({ target: w.url, route: w.route, escalation: w.escalation })),
    ...(config.email?.routes ?? []).flatMap((r) => r.to.map((to) => ({ target: MAILTO + to, route: r.route, escalation: r.escalation }))),
  ];
}

/** Sends a `mailto:` target by e-mail and anything else by webhook. */
export function deliverByTarget(channels: { webhook: Deliver; email: Deliver | undefined }): Deliver {
  return (target, body, key) => {
    if (!target.startsWith(MAILTO)) return channels.webhook(target, body, key);
    if (!channels.email) return Promise.reject(new HeatScadaError('HS_ERR_NOTIFY_FAILED', 'an e-mail is queued but no SMTP server is configured', '/alarms/email'));
    return channels.email(target, body, key);
  };
}
