import type { Logger } from 'pino';
import { isHeatScadaError } from '../model/errors.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import type { StoreConfig } from './config-schema.ts';
import { retentionCutoff } from './open-store.ts';

const HOUR_MS = 3_600_000;

/**
 * Drops raw points past the configured retention once at start and then every hour (rollups
 * stay). Returns the function that stops it. Nothing is scheduled when the store keeps raw
 * points forever.
 */
export function scheduleRetention(store: Pick<TimeSeriesStore, 'applyRetention'>, config: StoreConfig, log: Logger, everyMs = HOUR_MS): () => void {
  if (retentionCutoff(config, Date.now()) === undefined) return () => undefined;
  const run = (): void => {
    const cutoff = retentionCutoff(config, Date.now())!;
    store.applyRetention(cutoff).then(
      (dropped) => log.info({ event: 'retention_applied', cutoff: new Date(cutoff).toISOString(), dropped }, 'old raw points dropped'),
      (e: unknown) => log.warn({ code: isHeatScadaError(e) ? e.code : 'HS_ERR_STORE_WRITE', reason: (e as Error).message }, 'retention not applied'),
    );
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
