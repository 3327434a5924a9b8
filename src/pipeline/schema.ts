/**
 * The `stages:` part of mlo.yaml. Other top-level sections (validation suites,
 * gates, serve) belong to other capabilities and are validated by them, so the top
 * level is loose and each stage body strict: a typo inside a stage is reported
 * with its line and column.
 */
import * as z from 'zod/mini';
import '../util/schema.js';
import { featuresSchema } from '../features/schema.js';

const path = z.string().check(z.minLength(1, 'a path must not be empty'));

const pathList = z.array(path, { error: 'expected a list of paths' });

const outOptions = z.strictObject({
  /** keep the output in the cache (default true); false for small files git should track */
  cache: z.optional(z.boolean()),
  /** do not delete the output before the stage runs */
  persist: z.optional(z.boolean()),
});

/** `- model.pkl` or DVC's `- model.pkl: {cache: false}` */
const outItem = z.union([path, z.record(path, outOptions)], {
  error: 'expected a path, or "path: {cache: false, persist: true}"',
});

/** `- train.lr` (from params.yaml) or `- other.yaml: [key, ...]` (empty list: every key) */
const paramItem = z.union([z.string().check(z.minLength(1)), z.record(path, z.array(z.string()))], {
  error: 'expected a key of params.yaml (train.lr), or "file.yaml: [key, ...]"',
});

const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean',
});

const command = z.union(
  [
    z.string().check(z.minLength(1)),
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  ],
  {
    error: 'expected a command string or a list of commands',
  },
);

const bodyFields = {
  desc: z.optional(z.string()),
  deps: z.optional(pathList),
  outs: z.optional(z.array(outItem, { error: 'expected a list of paths' })),
  params: z.optional(z.array(paramItem, { error: 'expected a list of param keys' })),
  metrics: z.optional(z.array(outItem, { error: 'expected a list of metric files' })),
  env: z.optional(z.record(z.string(), scalar)),
  /** run every time, even when nothing changed */
  always_changed: z.optional(z.boolean()),
};

export const stageBodySchema = z.strictObject({ cmd: command, ...bodyFields });

export type StageBody = z.infer<typeof stageBodySchema>;

const foreachItems = z.union(
  [
    z.array(z.unknown()).check(z.minLength(1, 'foreach needs at least one item')),
    z.record(z.string(), z.unknown()),
  ],
  { error: 'expected a list or a map of items' },
);

const matrixAxes = z.record(
  z.string(),
  z
    .array(z.unknown(), { error: 'expected a list of values' })
    .check(z.minLength(1, 'a matrix axis needs at least one value')),
);

/**
 * A stage: a body; `foreach` + `do: body`; or a body with a `matrix`. One object
 * schema with the rules between fields checked after, so that a wrong field inside
 * a stage is reported at its own line rather than as "not any of three shapes".
 */
const stageSchema = z
  .strictObject({
    cmd: z.optional(command),
    ...bodyFields,
    foreach: z.optional(foreachItems),
    do: z.optional(stageBodySchema),
    matrix: z.optional(matrixAxes),
  })
  .check(
    z.superRefine((stage, ctx) => {
      const issue = (path: string, message: string): void =>
        ctx.addIssue({ code: 'custom', message, path: [path], input: stage });
      if (stage.foreach !== undefined) {
        if (stage.do === undefined)
          issue('foreach', 'a foreach stage needs "do:" with the stage to repeat');
        const extra = Object.keys(stage).filter((k) => k !== 'foreach' && k !== 'do');
        if (extra.length) issue(extra[0], `with foreach, "${extra[0]}" belongs under "do:"`);
      } else if (stage.do !== undefined) {
        issue('do', '"do:" needs "foreach:" beside it');
      } else if (stage.cmd === undefined) {
        issue('cmd', 'missing "cmd": the command the stage runs');
      }
    }),
  );

export type StageDecl = z.infer<typeof stageSchema>;

export const pipelineFileSchema = z.looseObject({
  /** values usable as ${name} in stages, besides params.yaml */
  vars: z.optional(z.record(z.string(), z.unknown())),
  stages: z.optional(z.record(z.string(), stageSchema)),
  /** feature store definitions; the rules between them are checked by src/features */
  features: z.optional(z.nullable(featuresSchema)),
});

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
