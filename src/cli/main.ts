/**
 * The mlo command. Command files only declare flags and call the library, which
 * they import lazily so that `mlo --help` loads almost nothing.
 */
import { buildProgramFor } from './program.js';
import { reportError } from './render/errors.js';
import { storeBusyError } from '../store/busy.js';

// `mlo runs list | head` closes the pipe early: that is the reader's choice, not an
// error, so stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await (await buildProgramFor(argv)).parseAsync(argv);
  } catch (err) {
    // SQLITE_BUSY can surface from any statement; it is named here, once
    process.exitCode = reportError(storeBusyError(err) ?? err);
  }
}

await main();
