/**
 * Aliases (`champion`, `staging`) and their audit. Every decision about an alias —
 * a manual set or removal, a promotion that moved it or was refused, a rollback — is
 * appended to alias_events with who, when, the git commit and the gate results.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  appendAliasEvent,
  getAliasEventRow,
  getAliasRow,
  getModelRow,
  listAliasEvents,
  withWriteLock,
  writeAliasRow,
  type AliasAction,
  type AliasOutcome,
} from '../store/index.js';
import type { GateResult } from './gates/index.js';
import { eventFromRow, type AliasEvent } from './records.js';
import { checkAliasName, checkModelName } from './ref.js';
import { assertModelWritable } from './replica.js';
import { getVersion, resolveModel } from './resolve.js';
import { readActor, type Actor } from './who.js';

export interface AliasChange {
  name: string;
  alias: string;
  /** holder before (null: none) */
  from: number | null;
  /** holder after (null: none) */
  to: number | null;
  outcome: AliasOutcome;
  /** the audit entry written */
  event: AliasEvent;
}

export interface SetAliasOptions {
  name: string;
  alias: string;
  /** default: the latest version */
  version?: number;
  /** who acts (default: MLO_USER, git's user, the OS user); a server passes its token's identity */
  actor?: Actor;
  /**
   * Compare-and-set: the holder the caller saw (null: none). When the alias holds
   * another version by the time the move is written, nothing changes (CONFLICT).
   */
  expectedFrom?: number | null;
}

export interface AliasActionOptions {
  name: string;
  alias: string;
  actor?: Actor;
  expectedFrom?: number | null;
}

/** `mlo model alias set`: point an alias at a version, no gates asked. */
export async function setAlias(repo: Repo, options: SetAliasOptions): Promise<AliasChange> {
  checkModelName(options.name);
  const alias = checkAliasName(options.alias, { settable: true });
  const target =
    options.version === undefined
      ? resolveModel(repo, options.name)
      : getVersion(repo, options.name, options.version);
  const actor = options.actor ?? (await readActor(repo));
  return writeDecision(repo, actor, {
    name: options.name,
    alias,
    action: 'set',
    to: target.version,
    expectedFrom: options.expectedFrom,
  });
}

/** `mlo model alias rm`: remove an alias (NOT_FOUND when the model has no such alias). */
export async function removeAlias(repo: Repo, options: AliasActionOptions): Promise<AliasChange> {
  const { name } = options;
  const alias = checkAliasName(options.alias);
  resolveModel(repo, { name, kind: 'alias', alias, text: `${name}@${alias}` });
  const actor = options.actor ?? (await readActor(repo));
  return writeDecision(repo, actor, {
    name,
    alias,
    action: 'remove',
    to: null,
    expectedFrom: options.expectedFrom,
  });
}

/**
 * `mlo rollback NAME --alias ALIAS`: move the alias back to the holder it had before
 * the current one. Rollbacks unwind in order: two rollbacks after promotions to 2 then
 * 3 go back to 2, then to 1.
 */
export async function rollbackAlias(
  repo: Repo,
  options: Omit<AliasActionOptions, 'expectedFrom'>,
): Promise<AliasChange> {
  const { name } = options;
  const alias = checkAliasName(options.alias);
  const model = getModelRow(repo.store, checkModelName(name));
  if (!model) resolveModel(repo, name); // throws the NOT_FOUND with its hint
  const actor = options.actor ?? (await readActor(repo));
  return withWriteLock(repo.store, () => {
    const events = listAliasEvents(repo.store, { modelId: model?.id ?? 0, alias });
    const stack = holderStack(events.map(eventFromRow));
    const current = getAliasRow(repo.store, name, alias)?.version ?? null;
    if (stack.length < 2 || stack[stack.length - 1] !== current) {
      throw new MloError('NOT_FOUND', `${name}@${alias} has no previous holder to roll back to`, {
        hint: `see \`mlo model show ${name}@${alias}\` for its history; \`mlo model alias set ${name} ${alias} VERSION\` moves it by hand`,
      });
    }
    const previous = stack[stack.length - 2];
    if (previous === null) {
      throw new MloError(
        'NOT_FOUND',
        `${name}@${alias} had no holder before version ${current}; nothing to roll back to`,
        { hint: `remove the alias instead: \`mlo model alias rm ${name} ${alias}\`` },
      );
    }
    return writeDecisionLocked(repo, actor, {
      name,
      alias,
      action: 'rollback',
      to: previous,
    });
  });
}

/**
 * The holders an alias went through, starting from "none" (null), with rolled-back
 * moves taken off: a move pushes its new holder (null for a removal), a rollback pops.
 */
export function holderStack(events: readonly AliasEvent[]): (number | null)[] {
  const stack: (number | null)[] = [null];
  for (const e of events) {
    if (e.outcome !== 'moved' && e.outcome !== 'removed') continue;
    if (e.action === 'rollback') stack.pop();
    else stack.push(e.toVersion);
  }
  return stack;
}

export interface PromotionDecision {
  name: string;
  alias: string;
  /** the candidate */
  version: number;
  /** the holder the gates were evaluated against (null: none); the move is refused if it changed */
  expectedFrom: number | null;
  /** all gates passed: move the alias */
  move: boolean;
  gates: GateResult[];
  detail?: Record<string, unknown>;
}

/** Audit a promotion and, when it passed, move the alias: one transaction. */
export async function recordPromotion(
  repo: Repo,
  decision: PromotionDecision,
  actor?: Actor,
): Promise<AliasChange> {
  const who = actor ?? (await readActor(repo));
  return withWriteLock(repo.store, () => {
    const current = getAliasRow(repo.store, decision.name, decision.alias)?.version ?? null;
    if (decision.move && current !== decision.expectedFrom) {
      throw new MloError(
        'CONFLICT',
        `${decision.name}@${decision.alias} moved to ${current ?? 'nothing'} while the gates were evaluated against ${decision.expectedFrom ?? 'nothing'}; nothing was changed`,
        { hint: 'run the promotion again' },
      );
    }
    return writeDecisionLocked(repo, who, {
      name: decision.name,
      alias: decision.alias,
      action: 'promote',
      to: decision.version,
      rejected: !decision.move,
      gates: decision.gates,
      detail: decision.detail,
    });
  });
}

interface Decision {
  name: string;
  alias: string;
  action: AliasAction;
  /** the new holder; null removes the alias */
  to: number | null;
  /** a promotion the gates refused: audited, nothing moves */
  rejected?: boolean;
  gates?: GateResult[];
  detail?: Record<string, unknown>;
  /** compare-and-set on the holder (see SetAliasOptions.expectedFrom) */
  expectedFrom?: number | null;
}

function writeDecision(repo: Repo, actor: Actor, d: Decision): AliasChange {
  return withWriteLock(repo.store, () => writeDecisionLocked(repo, actor, d));
}

function writeDecisionLocked(repo: Repo, actor: Actor, d: Decision): AliasChange {
  const model = getModelRow(repo.store, d.name);
  if (!model) throw new MloError('NOT_FOUND', `no model named "${d.name}"`);
  assertModelWritable(repo, d.name);
  const from = getAliasRow(repo.store, d.name, d.alias)?.version ?? null;
  if (d.expectedFrom !== undefined && d.expectedFrom !== from) {
    throw new MloError(
      'CONFLICT',
      `${d.name}@${d.alias} is at ${from ?? 'nothing'}, not ${d.expectedFrom ?? 'nothing'} as expected; nothing was changed`,
      { hint: `see \`mlo model show ${d.name}@${d.alias}\`, then try again` },
    );
  }
  let outcome: AliasOutcome;
  let to: number | null;
  if (d.rejected) {
    outcome = 'rejected';
    to = from;
  } else if (d.to === null) {
    outcome = 'removed';
    to = null;
  } else {
    outcome = d.to === from ? 'unchanged' : 'moved';
    to = d.to;
  }
  const now = Date.now();
  if (outcome === 'moved' || outcome === 'removed') {
    writeAliasRow(repo.store, model.id, d.alias, to, now);
  }
  const seq = appendAliasEvent(repo.store, model.id, {
    alias: d.alias,
    action: d.action,
    outcome,
    from_version: from,
    // A refused promotion records the candidate it refused.
    to_version: d.rejected ? d.to : to,
    who: actor.who,
    at_ms: now,
    git_commit: actor.gitCommit,
    gates_json: d.gates ? JSON.stringify(d.gates) : null,
    detail_json: d.detail ? JSON.stringify(d.detail) : null,
  });
  const row = getAliasEventRow(repo.store, seq);
  if (!row) throw new MloError('INTERNAL', `audit entry ${seq} vanished`);
  return { name: d.name, alias: d.alias, from, to, outcome, event: eventFromRow(row) };
}

export interface AliasHistoryOptions {
  alias?: string;
  /** only events that moved the alias from or to this version, or refused it */
  version?: number;
}

/** The audit of a model's aliases, oldest first. */
export function aliasHistory(
  repo: Repo,
  name: string,
  options: AliasHistoryOptions = {},
): AliasEvent[] {
  const model = getModelRow(repo.store, name);
  if (!model) throw new MloError('NOT_FOUND', `no model named "${name}"`);
  return listAliasEvents(repo.store, {
    modelId: model.id,
    alias: options.alias,
    version: options.version,
  }).map(eventFromRow);
}
