/**
 * DuckDB (@duckdb/node-api, a dev dependency) as the real Parquet writer and the
 * reference reader of the Parquet tests: it writes files with every codec and type,
 * and reads them back to give the values mlo must read.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let connection: Promise<DuckDBConnection> | undefined;

async function connect(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run("SET TimeZone = 'UTC'");
  return con;
}

/** A single-quoted SQL string literal. */
export const sqlText = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Run one statement. */
export async function duckRun(sql: string): Promise<void> {
  await (await (connection ??= connect())).run(sql);
}

/** Each result column's values as JavaScript values (BIGINT as bigint), by name. */
export async function duckColumns(sql: string): Promise<Record<string, unknown[]>> {
  const reader = await (await (connection ??= connect())).runAndReadAll(sql);
  return reader.getColumnsObjectJS();
}

/** Write the rows of `select` to a Parquet file with DuckDB's writer. */
export async function writeParquet(
  path: string,
  select: string,
  options: { codec?: string; rowGroupSize?: number; version?: 'V1' | 'V2' } = {},
): Promise<string> {
  const opts = ['FORMAT parquet'];
  if (options.codec !== undefined) opts.push(`COMPRESSION ${options.codec}`);
  if (options.rowGroupSize !== undefined) opts.push(`ROW_GROUP_SIZE ${options.rowGroupSize}`);
  if (options.version !== undefined) opts.push(`PARQUET_VERSION ${options.version}`);
  await duckRun(`COPY (${select}) TO ${sqlText(path)} (${opts.join(', ')})`);
  return path;
}
