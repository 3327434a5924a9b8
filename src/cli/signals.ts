/** How the long-running commands (serve, server, ui) wait to be stopped. */
import { warn } from './render/output.js';

/**
 * Resolves on the first SIGTERM or SIGINT. A second one while shutting down means
 * "now": the process exits at once, skipping the rest of the graceful stop.
 */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const force = (): void => {
        warn(`${signal} again: stopping now without finishing requests in flight`);
        // the user asked twice; the graceful path is what they are cutting short
        process.exit(130);
      };
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
