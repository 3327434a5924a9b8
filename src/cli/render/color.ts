/**
 * Colour only for people: off when NO_COLOR is set or the stream is not a terminal,
 * on when FORCE_COLOR asks for it.
 */
import { Chalk, type ChalkInstance } from 'chalk';

type Level = 0 | 1 | 2 | 3;

function levelFor(stream: NodeJS.WriteStream): Level {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR !== undefined) {
    const n = Number(env.FORCE_COLOR);
    return (env.FORCE_COLOR === '' || Number.isNaN(n) ? 1 : Math.max(0, Math.min(3, n))) as Level;
  }
  if (!stream.isTTY) return 0;
  return env.COLORTERM === 'truecolor' ? 3 : 1;
}

export const color: ChalkInstance = new Chalk({ level: levelFor(process.stdout) });
export const errColor: ChalkInstance = new Chalk({ level: levelFor(process.stderr) });
