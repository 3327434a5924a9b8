/**
 * MLflow's runs/search in pages: every run exactly once, in order, and the last page
 * without a next_page_token (a page asks SQLite for one row more than it shows instead
 * of counting every match).
 */
import { describe, expect, it } from 'vitest';
import { createMlflowHandler } from '../../../src/mlflow/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

type Page = { runs?: { info: { run_id: string; run_name: string } }[]; next_page_token?: string };

describe('runs/search pages', () => {
  it('walks every run once with max_results and page tokens, the last page has no token', async () => {
    const repo = tempRepo();
    const mlflow = createMlflowHandler({ repo, who: 'test' });
    const post = async (path: string, body: unknown): Promise<unknown> => {
      const r = await mlflow({
        method: 'POST',
        path: `/api/2.0/mlflow/${path}`,
        query: new URLSearchParams(),
        body,
      });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      return r.json;
    };
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = (await post('runs/create', {
        experiment_id: '0',
        run_name: `r${i}`,
        start_time: 1_700_000_000_000 + i,
      })) as { run: { info: { run_id: string } } };
      made.push(r.run.info.run_id);
    }
    const seen: string[] = [];
    const tokens: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = (await post('runs/search', {
        experiment_ids: ['0'],
        max_results: 3,
        order_by: ['attributes.start_time ASC'],
        ...(token && { page_token: token }),
      })) as Page;
      seen.push(...(page.runs ?? []).map((r) => r.info.run_id));
      token = page.next_page_token;
      tokens.push(token);
    } while (token);
    expect(seen).toEqual(made);
    expect(tokens.map(Boolean)).toEqual([true, true, false]);
    // a page that ends exactly at the last run has no token either
    const exact = (await post('runs/search', { experiment_ids: ['0'], max_results: 7 })) as Page;
    expect(exact.runs).toHaveLength(7);
    expect(exact.next_page_token).toBeUndefined();
  });
});
