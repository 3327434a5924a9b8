import { describe, expect, it } from 'vitest';
import { applyLogLine, type LogSink } from '../../../src/index.js';

function collect(lines: string[]): { events: unknown[][]; problems: (string | undefined)[] } {
  const events: unknown[][] = [];
  const sink: LogSink = {
    metric: (...a) => events.push(['metric', ...a]),
    param: (...a) => events.push(['param', ...a]),
    tag: (...a) => events.push(['tag', ...a]),
    artifact: (...a) => events.push(['artifact', ...a]),
  };
  const problems = lines.map((l) => applyLogLine(l, sink));
  return { events, problems };
}

describe('MLO_LOG lines', () => {
  it('reads every kind of line', () => {
    const { events, problems } = collect([
      '{"metric":"loss","value":0.31,"step":4}',
      '{"metric":"acc","value":0.5,"timestamp":1700000000000}',
      '{"metrics":{"a":1,"b":2},"step":7,"ts":1700000000.5}',
      '{"param":"lr","value":0.01}',
      '{"params":{"depth":3,"model":"rf"}}',
      '{"tag":"team","value":"x"}',
      '{"tags":{"k":"v"}}',
      '{"artifact":"out/model.onnx","name":"model"}',
      '   ',
    ]);
    expect(problems.every((p) => p === undefined)).toBe(true);
    expect(events).toEqual([
      ['metric', 'loss', 0.31, 4, undefined],
      ['metric', 'acc', 0.5, undefined, 1700000000000],
      ['metric', 'a', 1, 7, 1700000000500],
      ['metric', 'b', 2, 7, 1700000000500],
      ['param', 'lr', 0.01],
      ['param', 'depth', 3],
      ['param', 'model', 'rf'],
      ['tag', 'team', 'x'],
      ['tag', 'k', 'v'],
      ['artifact', 'out/model.onnx', 'model'],
    ]);
  });

  it("accepts NaN and Infinity the ways JSON writers produce them (null, strings, Python's bare tokens)", () => {
    const { events, problems } = collect([
      '{"metric":"a","value":null}',
      '{"metric":"a","value":"NaN"}',
      '{"metric":"a","value": NaN, "step": 1}',
      '{"metric":"a","value":-Infinity}',
      '{"metric":"a","value":"inf"}',
    ]);
    expect(problems).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(events.map((e) => e[2])).toEqual([null, null, null, -Infinity, Infinity]);
  });

  it('describes malformed lines instead of throwing', () => {
    const { problems, events } = collect([
      '{"metric":"a","value":1',
      '[1,2]',
      '{"metric":"a","value":"high"}',
      '{"metric":"a","value":1,"step":1.5}',
      '{"metric":"a","value":1,"timestamp":"soon"}',
      '{"something":"else"}',
      '{"metric":"NaN in a name","value":1}',
    ]);
    expect(problems.slice(0, 6)).toEqual([
      'not valid JSON',
      'not a JSON object',
      'metric a: "value" must be a number',
      '"step" must be an integer',
      '"timestamp" must be milliseconds since 1970 or an ISO date',
      'expected one of "metric", "metrics", "param", "params", "tag", "tags", "artifact"',
    ]);
    expect(problems[6]).toBeUndefined();
    expect(events).toEqual([['metric', 'NaN in a name', 1, undefined, undefined]]);
  });
});

describe('MLO_LOG fast path', () => {
  it('reads the common metric line the same way whatever the spacing', () => {
    const { events, problems } = collect([
      '{"metric":"loss","value":0.25,"step":3}',
      '{"metric": "loss", "value": -1.5e-3, "step": 4}',
      '  {"metric":"acc","value":1}  ',
      '{"metric":"a\\"b","value":2,"step":5}',
      '{"metric":"loss","value":01,"step":1}',
      '{"metric":"loss","value":1,"step":99999999999999999999}',
    ]);
    expect(events).toEqual([
      ['metric', 'loss', 0.25, 3, undefined],
      ['metric', 'loss', -0.0015, 4, undefined],
      ['metric', 'acc', 1, undefined, undefined],
      ['metric', 'a"b', 2, 5, undefined],
    ]);
    // a leading zero is not JSON; a step past 2^53 is not an exact integer
    expect(problems.slice(4)).toEqual(['not valid JSON', '"step" must be an integer']);
  });
});
