import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the web UI's components (ui/) are Preact
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: ['test/**/*.test.ts', 'ui/test/**/*.test.tsx'],
    // Native addons (better-sqlite3, onnxruntime-node) are safest in child processes.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what a page or a child process does next. Its default of
    // 1 s is shorter than a fetch and a render take on a loaded 2-core CI machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
