// A list the page reloads every few seconds (and at once after a change it made), with the
// error of the last try: what the crew's phone pages show while the board moves under them.

import { useCallback, useEffect, useState } from 'react';

const REFRESH_MS = 5000;

export interface Polled<T> {
  value: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** `load` must be stable between renders that should not restart the polling (useCallback). */
export function usePolled<T>(load: () => Promise<T>): Polled<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const reload = useCallback(() => {
    load().then((v) => (setValue(v), setError(undefined)), (e: unknown) => setError((e as Error).message));
  }, [load]);
  useEffect(() => {
    reload();
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return { value, error, reload };
}
