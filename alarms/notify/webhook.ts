import { HeatScadaError } from '../../model/errors.ts';
import type { Deliver } from './outbox.ts';

// Webhook delivery: POST the JSON body; anything but a 2xx (or no answer in time) is a failure
// the outbox retries.

export function webhookDelivery(timeoutMs = 5000): Deliver {
  return async (url, body, key) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    if (!res.ok) throw new HeatScadaError('HS_ERR_NOTIFY_FAILED', `HTTP ${res.status}`, url);
  };
}
