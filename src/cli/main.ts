/**
 * The mlo command. Command files only declare flags and call the library, which
 * they import lazily so that `mlo --help` loads almost nothing.
 */
import { buildProgram } from './program.js';
import { reportError } from './render/errors.js';

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

await main();
