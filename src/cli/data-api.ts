/** The slice of the public API (src/index.ts) that data commands use; see common.ts. */
export * from '../repo/index.js';
export * from '../data/index.js';
export * from '../hooks/index.js';
