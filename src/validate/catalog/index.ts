/** Every expectation mlo knows, by name. */
import { COLUMN_AGGREGATE } from './column-aggregate.js';
import { COLUMN_MAP } from './column-map.js';
import type { ExpectationDef } from './common.js';
import { DRIFT } from './drift.js';
import { MULTICOLUMN } from './multicolumn.js';
import { TABLE } from './table.js';

const ALL: readonly ExpectationDef[] = [
  ...COLUMN_MAP,
  ...COLUMN_AGGREGATE,
  ...MULTICOLUMN,
  ...TABLE,
  ...DRIFT,
];

export const CATALOG: ReadonlyMap<string, ExpectationDef> = new Map(ALL.map((d) => [d.name, d]));

/** Names GX has used for the same expectation in other versions. */
const ALIASES: Readonly<Record<string, string>> = {
  expect_column_pair_values_A_to_be_greater_than_B:
    'expect_column_pair_values_a_to_be_greater_than_b',
};

export function findExpectation(name: string): ExpectationDef | undefined {
  return CATALOG.get(ALIASES[name] ?? name);
}

/** One entry per expectation: for `mlo validate --list` and the docs. */
export interface ExpectationInfo {
  name: string;
  domain: ExpectationDef['domain'];
  map: boolean;
  kwargs: string[];
  required: string[];
  description: string;
}

export function listExpectations(): ExpectationInfo[] {
  return ALL.map((d) => ({
    name: d.name,
    domain: d.domain,
    map: d.map,
    kwargs: [...Object.keys(d.kwargs), ...(d.map ? ['mostly'] : [])],
    required: [...d.required],
    description: d.description,
  }));
}

export type { ExpectationDef, PlanContext, Outcome, Evaluate } from './common.js';
