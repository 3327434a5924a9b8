import { describe, expect, it } from 'vitest';
import { parseV2ModelPath, routeLabel, UNMATCHED } from '../../../src/serve/routes.js';

describe('route labels', () => {
  it('are the fixed paths or V2 templates; any other path is unmatched', () => {
    expect(routeLabel('/predict')).toBe('/predict');
    expect(routeLabel('/metrics')).toBe('/metrics');
    expect(routeLabel('/v2/models/churn/infer')).toBe('/v2/models/:name/infer');
    expect(routeLabel('/v2/models/churn%20x/versions/3/ready')).toBe(
      '/v2/models/:name/versions/:v/ready',
    );
    expect(routeLabel('/v2/models/churn')).toBe('/v2/models/:name');
    for (const path of [
      '/predict/',
      '/predictx',
      '/v2/models/',
      '/v2/models//infer',
      '/v2/models/a/b',
      '/v2/models/a/versions/x/infer',
      '/v2/models/a/versions//infer',
      '/v2/models/%E0%A4%A/infer',
      `/${'x'.repeat(5000)}`,
    ]) {
      expect(routeLabel(path), path).toBe(UNMATCHED);
    }
  });

  it('parses a V2 model path into name, version and action', () => {
    expect(parseV2ModelPath('/v2/models/a%2Fb/versions/2/infer')).toEqual({
      name: 'a/b',
      version: 2,
      action: 'infer',
      template: '/v2/models/:name/versions/:v/infer',
    });
    expect(parseV2ModelPath('/v2/health/live')).toBeNull();
  });
});
