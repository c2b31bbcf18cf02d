// Polls a check until it passes or the time is up (then its last failure is the test's): for
// tests that wait on real sockets and processes without asserting on wall-clock durations.

export async function eventually(check: () => void | Promise<void>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
