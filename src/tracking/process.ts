/**
 * Running a command as a child process (execa, loaded on first use) and stopping it
 * with everything it started. A stop signals the whole process tree — found through
 * /proc (or `ps` elsewhere) at the moment of the stop, plus the child's process group
 * — and escalates to SIGKILL for whatever is still alive after a grace period.
 *
 * A command never outlives mlo: beside each child runs a tiny watchdog (a /bin/sh
 * script) that holds a pipe from mlo. mlo writes a line to it when the command is
 * over; if the pipe closes without that line, mlo died (kill -9 included) and the
 * watchdog stops the command's process group, then kills it after the grace period.
 * The pipe is closed by the kernel whatever way mlo dies, on Linux and macOS alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** Asks running commands to stop; a second stop (or SIGKILL) kills at once. */
export class StopSignal {
  private listeners = new Set<(signal: NodeJS.Signals) => void>();
  private received: NodeJS.Signals | undefined;

  get stopped(): boolean {
    return this.received !== undefined;
  }

  /** The first signal received: what the caller reports and exits with. */
  get signal(): NodeJS.Signals | undefined {
    return this.received;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    const again = this.received !== undefined;
    this.received ??= signal;
    for (const l of [...this.listeners]) l(again ? 'SIGKILL' : signal);
  }

  /** @internal */
  subscribe(listener: (signal: NodeJS.Signals) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export type CommandSpec =
  { argv: string[]; shell?: undefined } | { shell: string; argv?: undefined };

export interface RunCommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin?: 'inherit' | 'ignore';
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  stop?: StopSignal;
  /** how long a stopped tree has before SIGKILL (default 5 s, or $MLO_KILL_GRACE_MS) */
  graceMs?: number;
}

export interface CommandOutcome {
  /** 0..255; 128 + n for death by signal n; 127 when the command could not start */
  exitCode: number;
  /** the signal the child died of, if any */
  signal?: NodeJS.Signals;
  /** the command was stopped through the StopSignal */
  stopped: boolean;
  /** why it could not start, or died */
  error?: string;
}

/** After the child exits, how long its stdout/stderr may stay open (held by orphans). */
const DRAIN_MS = 200;

/**
 * $1: what to stop (-pgid for a process group, else a pid); $2: grace in seconds.
 * `read` succeeds only on the line mlo writes when the command is over; EOF means
 * mlo is gone.
 */
const WATCHDOG_SCRIPT = `if read -r _; then exit 0; fi
kill -TERM $1 2>/dev/null || exit 0
n=0
while [ $n -lt $2 ]; do sleep 1; kill -0 $1 2>/dev/null || exit 0; n=$((n+1)); done
kill -KILL $1 2>/dev/null
exit 0`;

/** Start the watchdog of a child; undefined where there is no POSIX shell. */
function startWatchdog(
  pid: number,
  group: boolean,
  graceMs: number,
): { release(): void } | undefined {
  if (process.platform === 'win32') return undefined;
  let dog: ChildProcess;
  try {
    dog = spawn(
      '/bin/sh',
      [
        '-c',
        WATCHDOG_SCRIPT,
        'mlo-watchdog',
        group ? `-${pid}` : String(pid),
        String(Math.max(1, Math.ceil(graceMs / 1000))),
      ],
      // its own session: a Ctrl-C meant for the command must not take it down
      { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
    );
  } catch {
    return undefined;
  }
  dog.on('error', () => undefined);
  dog.stdin?.on('error', () => undefined);
  dog.unref();
  // the pipe must not keep mlo alive; it only has to exist as long as mlo does
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    release: () => dog.stdin?.end('done\n'),
  };
}

export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

export async function runCommand(
  spec: CommandSpec,
  options: RunCommandOptions,
): Promise<CommandOutcome> {
  if (options.stop?.stopped) {
    const sig = options.stop.signal ?? 'SIGTERM';
    return { exitCode: signalExitCode(sig), stopped: true, error: `stopped by ${sig}` };
  }
  const { execa } = await import('execa');
  const stdin = options.stdin ?? 'inherit';
  // Own process group, so one kill(-pgid) reaches grandchildren. Not when the child
  // shares our terminal's stdin: a background group reading the tty would be stopped
  // (SIGTTIN), and Ctrl-C from that terminal reaches the whole group anyway.
  const detached = !(stdin === 'inherit' && process.stdin.isTTY);
  const common = {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin,
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached,
    cleanup: true,
    windowsHide: true,
  } as const;
  const child =
    spec.shell !== undefined
      ? execa(spec.shell, { ...common, shell: true })
      : execa(spec.argv[0], spec.argv.slice(1), common);
  child.stdout.on('data', (d: Buffer) => options.onOutput?.('stdout', d));
  child.stderr.on('data', (d: Buffer) => options.onOutput?.('stderr', d));

  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  const tree = new Set<number>();
  const graceMs = options.graceMs ?? (Number(process.env.MLO_KILL_GRACE_MS) || 5000);
  const watchdog =
    child.pid === undefined ? undefined : startWatchdog(child.pid, detached, graceMs);
  const unsubscribe = options.stop?.subscribe((signal) => {
    stopped = true;
    const pid = child.pid;
    if (pid === undefined) return;
    for (const p of processTree(pid)) tree.add(p);
    signalAll(pid, tree, detached, signal);
    if (signal !== 'SIGKILL' && killTimer === undefined) {
      killTimer = setTimeout(() => signalAll(pid, tree, detached, 'SIGKILL'), graceMs);
      killTimer.unref();
    }
  });

  // A grandchild that outlives the child may hold the pipes open; do not wait for it.
  child.on('exit', () => {
    setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
    }, DRAIN_MS).unref();
  });

  try {
    const result = await child;
    if (result.exitCode !== undefined) {
      return { exitCode: result.exitCode, stopped };
    }
    if (result.signal !== undefined) {
      const signal = result.signal;
      return {
        exitCode: signalExitCode(signal),
        signal,
        stopped,
        error: stopped ? undefined : `killed by ${signal}`,
      };
    }
    const notFound = (result as { code?: string }).code === 'ENOENT';
    const what = spec.shell ?? spec.argv[0];
    return {
      exitCode: notFound ? 127 : 126,
      stopped,
      error: notFound ? `command not found: ${what}` : (result.originalMessage ?? result.message),
    };
  } finally {
    unsubscribe?.();
    watchdog?.release();
    if (killTimer !== undefined) {
      clearTimeout(killTimer);
      // The child is gone, but what it started may still run (a background job
      // ignores SIGINT): a short grace, then SIGKILL for the rest of the tree.
      const pid = child.pid as number;
      const deadline = Date.now() + Math.min(graceMs, 1000);
      while ([...tree].some(isAlive) && Date.now() < deadline) await sleep(50);
      if ([...tree].some(isAlive)) signalAll(pid, tree, detached, 'SIGKILL');
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signalAll(root: number, tree: Set<number>, group: boolean, signal: NodeJS.Signals): void {
  if (group) {
    try {
      process.kill(-root, signal);
    } catch {
      // group already gone
    }
  }
  for (const pid of tree) {
    try {
      process.kill(pid, signal);
    } catch {
      tree.delete(pid);
    }
  }
}

/** Alive and not a zombie (an exited child its new parent has not reaped yet). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** `root` and all its descendants, now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentLinks()) {
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length) {
    const p = queue.shift() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

function parentLinks(): [number, number][] {
  if (process.platform === 'linux') {
    const links: [number, number][] = [];
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      entries = [];
    }
    for (const name of entries) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
        // The command name may contain spaces and parentheses: fields follow the last ')'.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        links.push([Number(name), Number(fields[1])]);
      } catch {
        // exited while we looked
      }
    }
    if (links.length) return links;
  }
  const res = spawnSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8' });
  if (res.status !== 0) return [];
  return res.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((p): p is [number, number] => p.length === 2 && !p.some(Number.isNaN));
}
