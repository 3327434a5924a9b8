/**
 * Hadolint's rules that matter for mlo's image, as code (hadolint itself is a Haskell
 * binary that does not install here; rule numbers are hadolint's). Each returns the
 * problems it finds, so a test can show a rule failing on a bad Dockerfile too.
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (buf === '' && (raw.trim() === '' || raw.trimStart().startsWith('#'))) continue;
    if (buf !== '' && raw.trimStart().startsWith('#')) continue;
    if (buf === '') start = i + 1;
    const continued = raw.endsWith('\\');
    buf += (buf ? ' ' : '') + (continued ? raw.slice(0, -1) : raw).trim();
    if (!continued) {
      const m = /^(\S+)\s*(.*)$/.exec(buf)!;
      out.push({ keyword: m[1].toUpperCase(), args: m[2], line: start });
      buf = '';
    }
  }
  return out;
}

export type Rule = (ins: Instruction[]) => string[];

const isJsonArray = (text: string): boolean => {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
};

/** Build stage names, to tell `FROM deps` from an image. */
function stageNames(ins: Instruction[]): Set<string> {
  const names = new Set<string>();
  for (const i of ins) {
    const m = /\s+AS\s+(\S+)$/i.exec(i.args);
    if (i.keyword === 'FROM' && m) names.add(m[1].toLowerCase());
  }
  return names;
}

export const RULES: Record<string, Rule> = {
  // DL3006 always tag the image; DL3007 never `latest`
  'DL3006/DL3007 pinned base images': (ins) => {
    const stages = stageNames(ins);
    return ins
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.args.replace(/--platform=\S+\s+/, '').split(/\s+/)[0])
      .filter((image) => !stages.has(image.toLowerCase()))
      .flatMap((image) => {
        const name = image.split('@')[0];
        const tag = name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : null;
        if (image.includes('@sha256:')) return [];
        if (tag === null) return [`FROM ${image}: no tag`];
        if (tag === 'latest') return [`FROM ${image}: latest`];
        if (!/\d+\.\d+\.\d+/.test(tag)) return [`FROM ${image}: not an exact version`];
        return [];
      });
  },
  // DL3002 the last USER must not be root (and numeric, for runAsNonRoot)
  'DL3002 last USER not root': (ins) => {
    const users = ins.filter((i) => i.keyword === 'USER');
    const last = users.at(-1)?.args.trim();
    if (last === undefined) return ['no USER: the image runs as root'];
    const user = last.split(':')[0];
    if (user === 'root' || user === '0') return [`USER ${last}`];
    if (!/^\d+$/.test(user)) return [`USER ${last}: not numeric (runAsNonRoot cannot verify it)`];
    return [];
  },
  // DL3025 JSON notation for CMD and ENTRYPOINT (signals reach the process)
  'DL3025 JSON CMD and ENTRYPOINT': (ins) =>
    ins
      .filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT')
      .filter((i) => !isJsonArray(i.args))
      .map((i) => `${i.keyword} on line ${i.line} is not JSON`),
  // DL3020 COPY, not ADD, for files and folders
  'DL3020 COPY not ADD': (ins) =>
    ins.filter((i) => i.keyword === 'ADD').map((i) => `ADD on line ${i.line}`),
  // DL3000 absolute WORKDIR
  'DL3000 absolute WORKDIR': (ins) =>
    ins
      .filter((i) => i.keyword === 'WORKDIR' && !i.args.startsWith('/'))
      .map((i) => `WORKDIR ${i.args}`),
  // DL4000 MAINTAINER is deprecated
  'DL4000 no MAINTAINER': (ins) =>
    ins.filter((i) => i.keyword === 'MAINTAINER').map((i) => `MAINTAINER on line ${i.line}`),
  // DL3003 WORKDIR, not cd
  'DL3003 no cd in RUN': (ins) =>
    ins
      .filter((i) => i.keyword === 'RUN' && /(^|&&|;)\s*cd\s/.test(i.args))
      .map((i) => `cd on line ${i.line}`),
  // DL4006 a pipe in RUN needs `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`
  'DL4006 pipefail': (ins) => {
    const pipefail = ins.some((i) => i.keyword === 'SHELL' && i.args.includes('pipefail'));
    return ins
      .filter((i) => i.keyword === 'RUN' && /\s\|\s/.test(i.args) && !pipefail)
      .map((i) => `pipe without pipefail on line ${i.line}`);
  },
  // DL3008/DL3009/DL3015 apt: the image installs no OS packages at all
  'DL3008 no unpinned apt': (ins) =>
    ins
      .filter((i) => i.keyword === 'RUN' && /apt(-get)?\s+install/.test(i.args))
      .map((i) => `apt install on line ${i.line}`),
  // DL3016 npm: lockfile installs only, dev dependencies and install scripts off
  'DL3016 npm from a lock, production only': (ins) =>
    ins
      .filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args))
      .flatMap((i) => {
        const problems: string[] = [];
        if (!/--omit=dev/.test(i.args)) problems.push(`npm without --omit=dev on line ${i.line}`);
        if (!/--ignore-scripts/.test(i.args))
          problems.push(`npm without --ignore-scripts on line ${i.line}`);
        if (/\bnpm (install|i) [a-z@]/.test(i.args) && !/@\d/.test(i.args))
          problems.push(`npm install of an unpinned package on line ${i.line}`);
        return problems;
      }),
  // DL3045 COPY to a relative destination needs a WORKDIR first (per stage)
  'DL3045 COPY after WORKDIR': (ins) => {
    const problems: string[] = [];
    let workdir = false;
    for (const i of ins) {
      if (i.keyword === 'FROM') workdir = false;
      if (i.keyword === 'WORKDIR') workdir = true;
      if (i.keyword === 'COPY') {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        const dest = parts.at(-1) ?? '';
        if (!dest.startsWith('/') && !workdir) problems.push(`COPY to ${dest} on line ${i.line}`);
      }
    }
    return problems;
  },
  // DL3057 a HEALTHCHECK
  'DL3057 HEALTHCHECK': (ins) =>
    ins.some((i) => i.keyword === 'HEALTHCHECK') ? [] : ['no HEALTHCHECK'],
};

export function lint(text: string): string[] {
  const ins = parseDockerfile(text);
  return Object.entries(RULES).flatMap(([name, rule]) => rule(ins).map((p) => `${name}: ${p}`));
}
