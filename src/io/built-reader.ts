/**
 * What every file reader shares: the reader's settings, one column builder per
 * selected column, and the issue log they report into. Builders live as long as the
 * reader so dictionaries (and codes) stay the same across batches and passes.
 */
import { createBuilder, IssueLog, type BuildContext, type ColumnBuilder } from './builders.js';
import { rowMajorSink, type RowMajorSink } from './row-major.js';
import type { ReaderSettings } from './settings.js';
import type { TableSchema } from './types.js';

export abstract class BuiltReader {
  protected readonly issueLog: IssueLog;
  protected readonly builders: ColumnBuilder[];
  /** the matrix settings.rowMajor asks for, for a reader that fills one (see CsvReader) */
  protected readonly rowMajor: RowMajorSink | null;

  constructor(
    protected readonly settings: ReaderSettings,
    readonly sizeBytes: number,
    readonly schema: TableSchema,
    fillsRowMajor = false,
  ) {
    this.issueLog = new IssueLog(schema.columns.map((c) => c.name));
    const ctx: BuildContext = {
      nullTokens: settings.nullTokens,
      maxDictionary: settings.maxDictionary,
      issues: this.issueLog,
    };
    this.rowMajor = fillsRowMajor ? rowMajorSink(settings.rowMajor, schema.columns) : null;
    this.builders = schema.columns.map((info) => createBuilder(info, ctx, this.rowMajor));
  }

  get path(): string {
    return this.settings.path;
  }

  issues() {
    return this.issueLog.list();
  }
}
