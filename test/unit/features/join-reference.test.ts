/**
 * The point-in-time join against an independent reference: pandas merge_asof on the
 * same data (test/fixtures/features/make_reference.py made expected.csv). Both
 * engines, every case: ties, both ttl edges, missing entities, several join keys,
 * time zones, nulls in sources, --as-of-created, and a random case with many ties.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { joinFeatures } from '../../../src/index.js';
import { expectSameTable, FIXTURES, repoWithCase } from './helpers.js';

const CASES = readdirSync(FIXTURES).filter((d) => statSync(join(FIXTURES, d)).isDirectory());

describe('features join matches pandas merge_asof', () => {
  for (const name of CASES) {
    for (const engine of ['js', 'duckdb'] as const) {
      it(`${name} (${engine} engine)`, async () => {
        const { repo, options } = await repoWithCase(name);
        const out = join(repo.root, 'out.csv');
        await joinFeatures(repo, {
          entities: 'entities.csv',
          features: options.features,
          out: 'out.csv',
          cwd: repo.root,
          engine,
          asOfCreated: options.asOfCreated,
          fullNames: options.fullNames,
        });
        expectSameTable(
          readFileSync(out, 'utf8'),
          readFileSync(join(FIXTURES, name, 'expected.csv'), 'utf8'),
          `${name}/${engine}`,
        );
      });
    }
  }
});
