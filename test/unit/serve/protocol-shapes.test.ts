/**
 * The protocols as their real clients speak them. MLflow: the bodies pandas writes
 * (test/fixtures/serve/pandas-payloads.json, made by pandas itself with the script
 * beside it), MLflow's content-type rules, tensors keyed by their ONNX names, null as
 * NaN and extra columns ignored as MLflow's signature enforcement does. KServe V2:
 * responses checked against a JSON Schema written from the Open Inference Protocol's
 * REST specification (test/fixtures/serve/open-inference-rest.schema.json).
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildLinearClassifier,
  buildTreeEnsembleRegressor,
  type Repo,
  type Server,
} from '../../../src/index.js';
import { expected, FEATURES, registerBytes, repoWithChurn, request, WEIGHTS } from './helpers.js';
import { serve } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/serve');

interface PandasPayloads {
  columns: string[];
  rows: (number | string | null)[][];
  csv: string;
  dataframe_split: unknown;
  dataframe_records: unknown;
}
const pandas = JSON.parse(
  readFileSync(join(FIXTURES, 'pandas-payloads.json'), 'utf8'),
) as PandasPayloads;

/**
 * The tree model's rule, by hand: spend ≤ -1, or spend missing (NaN goes left), gives
 * 100; else tenure ≤ 2 gives 1 and above it 2. A null read as 0 would give 1 or 2.
 */
function treeRule(age: number, tenure: number, spend: number): number {
  void age;
  if (Number.isNaN(spend) || spend <= -1) return 100;
  return tenure <= 2 ? 1 : 2;
}

/** The fixture's rows as (age, tenure, spend), null as NaN. */
const fixtureRows = pandas.rows.map((r) =>
  FEATURES.map((f) => {
    const v = r[pandas.columns.indexOf(f)];
    return v === null ? NaN : (v as number);
  }),
);

let repo: Repo;
let trees: Server;
let churn: Server;
beforeAll(async () => {
  repo = await repoWithChurn();
  await registerBytes(
    repo,
    'trees',
    await buildTreeEnsembleRegressor({
      nFeatures: 3,
      trees: [
        {
          nodes: [
            { feature: 2, threshold: -1, left: 1, right: 2, missingGoesLeft: true },
            { value: 100 },
            { feature: 1, threshold: 2, left: 3, right: 4 },
            { value: 1 },
            { value: 2 },
          ],
        },
      ],
    }),
  );
  trees = await serve(repo, { model: 'trees@1' });
  churn = await serve(repo, { model: 'churn@1' });
});

async function invoke(
  server: Server,
  body: string,
  contentType = 'application/json',
): Promise<{
  status: number;
  body: { predictions?: unknown; error_code?: string; message?: string };
}> {
  const r = await request(`${server.url}/invocations`, {
    raw: body,
    headers: { 'content-type': contentType },
  });
  return { status: r.status, body: r.body as never };
}

describe('MLflow /invocations, as pandas and MLflow clients send it', () => {
  const want = fixtureRows.map(([a, t, s]) => treeRule(a, t, s));

  it('sanity: the fixture has a missing spend whose answer differs from a zero', () => {
    expect(fixtureRows.some((r) => Number.isNaN(r[2]))).toBe(true);
    const missing = fixtureRows.find((r) => Number.isNaN(r[2]))!;
    expect(treeRule(missing[0], missing[1], 0)).not.toBe(treeRule(missing[0], missing[1], NaN));
  });

  it('text/csv as DataFrame.to_csv() writes it: index column, quoted text, empty cell as NaN', async () => {
    for (const type of ['text/csv', 'text/csv; charset=utf-8', 'text/csv;charset=UTF-8']) {
      const r = await invoke(trees, pandas.csv, type);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toEqual({ predictions: want });
    }
    // as written on Windows (CRLF), or by Excel (a byte-order mark)
    const windows = await invoke(trees, `\ufeff${pandas.csv.replace(/\n/g, '\r\n')}`, 'text/csv');
    expect(windows.body).toEqual({ predictions: want });
    // the row limit holds for CSV as for JSON
    const small = await serve(repo, { model: 'trees@1', maxRows: 3 });
    const many = await invoke(small, pandas.csv, 'text/csv');
    expect(many).toEqual({
      status: 413,
      body: { error_code: 'BAD_REQUEST', message: 'the CSV body has more than 3 rows, its limit' },
    });
  });

  it('dataframe_split and dataframe_records as DataFrame.to_json() writes them: null as NaN, extra columns ignored', async () => {
    for (const body of [pandas.dataframe_split, pandas.dataframe_records]) {
      const r = await invoke(trees, JSON.stringify(body));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toEqual({ predictions: want });
    }
  });

  it('instances as records and inputs as columns follow the same conventions', async () => {
    const records = (pandas.dataframe_records as { dataframe_records: unknown[] })
      .dataframe_records;
    const instances = await invoke(trees, JSON.stringify({ instances: records }));
    expect(instances.body).toEqual({ predictions: want });
    const columns = Object.fromEntries(
      pandas.columns.map((c, j) => [c, pandas.rows.map((r) => r[j])]),
    );
    const inputs = await invoke(trees, JSON.stringify({ inputs: columns }));
    expect(inputs.body).toEqual({ predictions: want });
  });

  it('keeps refusing missing columns, naming them (and not the extra ones)', async () => {
    const records = pandas.rows.map((r): Record<string, unknown> =>
      Object.fromEntries(
        pandas.columns.flatMap((c, j) => (c === 'tenure' ? [] : [[c, r[j]] as const])),
      ),
    );
    const r = await invoke(trees, JSON.stringify({ dataframe_records: records }));
    expect(r).toEqual({
      status: 400,
      body: {
        error_code: 'BAD_REQUEST',
        message: 'dataframe_records[0]: missing feature(s) "tenure"',
      },
    });
    // the same CSV without its last column (tenure)
    expect(pandas.columns.at(-1)).toBe('tenure');
    const csv = pandas.csv
      .split('\n')
      .map((line) => (line === '' ? line : line.slice(0, line.lastIndexOf(','))))
      .join('\n');
    const c = await invoke(trees, csv, 'text/csv');
    expect(c.status).toBe(400);
    expect(c.body.message).toBe('the CSV body header: missing feature(s) "tenure"');
  });

  it('a CSV cell that is not a number is a 400 naming the row and column', async () => {
    const r = await invoke(trees, 'age,tenure,spend\n1,2,3\n4,five,6\n', 'text/csv');
    expect(r).toEqual({
      status: 400,
      body: {
        error_code: 'BAD_REQUEST',
        message: 'the CSV body: data row 2, column "tenure": "five" is not a finite number',
      },
    });
    const ragged = await invoke(trees, 'age,tenure,spend\n1,2\n', 'text/csv');
    expect(ragged.status).toBe(400);
    expect(ragged.body.message).toBe(
      'the CSV body: line 2 (data row 1): expected 3 fields as in the header, found 2',
    );
  });

  it('refuses other media types and charsets with 415, as MLflow does', async () => {
    for (const type of [
      'text/plain',
      'application/json; charset=latin-1',
      'text/csv; header=present',
    ]) {
      const r = await invoke(churn, '{"inputs": [[1, 2, 3]]}', type);
      expect(r.status, type).toBe(415);
      expect(r.body.error_code).toBe('BAD_REQUEST');
    }
  });

  it('takes {"inputs": {"<onnx input name>": [[...]]}}, keyed by the tensor', async () => {
    const rows = [
      [41, 3, 0.5],
      [-2.5, 0.25, 1.75],
    ];
    const r = await invoke(churn, JSON.stringify({ inputs: { X: rows } }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ predictions: rows.map((x) => expected(1, x).label) });
    // one [N, 1] input per feature, named otherwise than the features
    const { w, b } = WEIGHTS[1];
    await registerBytes(
      repo,
      'cols',
      await buildLinearClassifier({
        coefficients: [w],
        intercepts: [b],
        columns: [{ name: 'in_age' }, { name: 'in_tenure' }, { name: 'in_spend' }],
      }),
    );
    const cols = await serve(repo, { model: 'cols@1' });
    const tensors = {
      in_age: rows.map((x) => [x[0]]),
      in_tenure: rows.map((x) => [x[1]]),
      in_spend: rows.map((x) => [x[2]]),
    };
    const c = await invoke(cols, JSON.stringify({ inputs: tensors }));
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toEqual({ predictions: rows.map((x) => expected(1, x).label) });
  });

  it('an integer or bool input refuses null rather than make a value up, and says so', async () => {
    await registerBytes(
      repo,
      'ints',
      await buildLinearClassifier({
        coefficients: [[0.5, -1, 0.25]],
        intercepts: [0],
        columns: [
          { name: 'age', type: 'int64' },
          { name: 'tenure', type: 'bool' },
          { name: 'spend', type: 'float32' },
        ],
      }),
    );
    const ints = await serve(repo, { model: 'ints@1' });
    const ok = await invoke(
      ints,
      JSON.stringify({ dataframe_records: [{ age: 41, tenure: true, spend: null }] }),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const age = await invoke(
      ints,
      JSON.stringify({
        dataframe_records: [
          { age: 3, tenure: false, spend: 1 },
          { age: null, tenure: true, spend: 1 },
        ],
      }),
    );
    expect(age).toEqual({
      status: 400,
      body: {
        error_code: 'BAD_REQUEST',
        message:
          'row 1, feature "age" is null (missing); ints@1 takes it as int64, which has no missing value, so it is refused rather than made up (only float and double inputs take null, as NaN)',
      },
    });
    const flag = await invoke(ints, 'age,tenure,spend\n3,,1\n', 'text/csv');
    expect(flag.status).toBe(400);
    expect(flag.body.message).toMatch(
      /^row 0, feature "tenure" is null \(missing\); ints@1 takes it as bool/,
    );
  });

  it("mlo's own /predict stays strict: null and extra features are refused", async () => {
    const r = await request(`${trees.url}/predict`, {
      body: { instances: [{ age: 1, tenure: 2, spend: null }] },
    });
    expect(r.status).toBe(400);
    const extra = await request(`${trees.url}/predict`, {
      body: { instances: [{ age: 1, tenure: 2, spend: 3, id: 'x' }] },
    });
    expect((extra.body as { error: string }).error).toBe('instances[0]: unknown feature(s) "id"');
  });
});

describe('KServe V2 against the Open Inference Protocol', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(
    JSON.parse(readFileSync(join(FIXTURES, 'open-inference-rest.schema.json'), 'utf8')) as object,
    'oip',
  );
  function check(def: string, body: unknown): void {
    const ok = ajv.validate(`oip#/definitions/${def}`, body);
    expect(ok, `${def}: ${ajv.errorsText()}\n${JSON.stringify(body)}`).toBe(true);
  }

  it('the schema refuses what the protocol does not allow', () => {
    const meta = {
      name: 'churn',
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [],
    };
    check('metadata_model_response', meta);
    // what the metadata said before: a list among the parameters
    expect(
      ajv.validate('oip#/definitions/metadata_model_response', {
        ...meta,
        parameters: { features: ['a', 'b'], version: 1 },
      }),
    ).toBe(false);
    expect(
      ajv.validate('oip#/definitions/inference_response', {
        model_name: 'm',
        outputs: [{ name: 'y', datatype: 'FLOAT', shape: [1], data: [1] }],
      }),
    ).toBe(false);
  });

  it('model metadata: scalar parameters; the inputs carry the feature names, each in its own datatype', async () => {
    const meta = await request(`${churn.url}/v2/models/churn`);
    check('metadata_model_response', meta.body);
    expect((meta.body as { inputs: unknown }).inputs).toEqual(
      FEATURES.map((name) => ({ name, datatype: 'FP32', shape: [-1, 1] })),
    );
    await registerBytes(
      repo,
      'mixed',
      await buildLinearClassifier({
        coefficients: [[1, 1, 1]],
        intercepts: [0],
        columns: [
          { name: 'age', type: 'int64' },
          { name: 'tenure', type: 'bool' },
          { name: 'spend', type: 'float64' },
        ],
      }),
    );
    const mixed = await serve(repo, { model: 'mixed@1' });
    const m = await request(`${mixed.url}/v2/models/mixed/versions/1`);
    check('metadata_model_response', m.body);
    expect((m.body as { inputs: unknown }).inputs).toEqual([
      { name: 'age', datatype: 'INT64', shape: [-1, 1] },
      { name: 'tenure', datatype: 'BOOL', shape: [-1, 1] },
      { name: 'spend', datatype: 'FP64', shape: [-1, 1] },
    ]);
    // what the metadata says a client sends is what the server takes
    const r = await request(`${mixed.url}/v2/models/mixed/infer`, {
      body: {
        inputs: [
          { name: 'age', datatype: 'INT64', shape: [2, 1], data: [[2], [0]] },
          { name: 'tenure', datatype: 'BOOL', shape: [2, 1], data: [[true], [false]] },
          { name: 'spend', datatype: 'FP64', shape: [2, 1], data: [[-4.5], [0.25]] },
        ],
      },
    });
    expect(r.status, r.text).toBe(200);
    check('inference_response', r.body);
  });

  it('a model without feature names lists its own input tensor', async () => {
    const { w, b } = WEIGHTS[1];
    await registerBytes(
      repo,
      'anon',
      await buildLinearClassifier({ coefficients: [w], intercepts: [b] }),
      null,
    );
    const anon = await serve(repo, { model: 'anon@1' });
    const meta = await request(`${anon.url}/v2/models/anon`);
    check('metadata_model_response', meta.body);
    expect((meta.body as { inputs: unknown }).inputs).toEqual([
      { name: 'X', datatype: 'FP32', shape: [-1, 3] },
    ]);
  });

  it('server metadata, readiness, inference and errors match the schema; shapes hold their data', async () => {
    check('metadata_server_response', (await request(`${churn.url}/v2`)).body);
    check('ready_model_response', (await request(`${churn.url}/v2/models/churn/ready`)).body);
    const rows = [
      [41, 3, 0.5],
      [-2.5, 0.25, 1.75],
      [0, 0, 0],
    ];
    const r = await request(`${churn.url}/v2/models/churn/infer`, {
      body: {
        id: '42',
        parameters: { priority: 1 },
        inputs: [{ name: 'X', shape: [3, 3], datatype: 'FP32', data: rows.flat() }],
      },
    });
    expect(r.status, r.text).toBe(200);
    check('inference_response', r.body);
    const body = r.body as {
      id: string;
      outputs: { name: string; shape: number[]; data: unknown[] }[];
    };
    expect(body.id).toBe('42');
    for (const o of body.outputs) {
      expect(o.data.flat(Infinity).length, o.name).toBe(o.shape.reduce((a, d) => a * d, 1));
    }
    expect(body.outputs.find((o) => o.name === 'label')!.data).toEqual(
      rows.map((x) => expected(1, x).label),
    );
    const bad = await request(`${churn.url}/v2/models/churn/infer`, { body: { inputs: [] } });
    expect(bad.status).toBe(400);
    check('error_response', bad.body);
  });

  it('refuses an output requested twice', async () => {
    const r = await request(`${churn.url}/v2/models/churn/infer`, {
      body: {
        inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
        outputs: [{ name: 'label' }, { name: 'probabilities' }, { name: 'label' }],
      },
    });
    expect(r.status).toBe(400);
    check('error_response', r.body);
    expect(r.body).toEqual({ error: 'outputs[2]: "label" is requested twice' });
  });
});
