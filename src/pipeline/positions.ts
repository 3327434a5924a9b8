/** Line and column of a node in a YAML text, for errors found after schema validation. */
import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from 'yaml';
import { configError } from '../util/yaml-file.js';
import type { MloError } from '../errors.js';

export type YamlPath = readonly (string | number)[];

export class YamlPositions {
  private doc: Document | undefined;
  private readonly counter = new LineCounter();

  constructor(
    private readonly text: string,
    readonly displayPath: string,
  ) {}

  /** The deepest node on `path` that exists (its key when it is a map entry). */
  locate(path: YamlPath): { line: number; col: number } {
    this.doc ??= parseDocument(this.text, { lineCounter: this.counter });
    for (let depth = path.length; depth >= 0; depth--) {
      const parentPath = path.slice(0, Math.max(0, depth - 1));
      const last = path[depth - 1];
      if (depth > 0 && typeof last === 'string') {
        const parent =
          parentPath.length === 0 ? this.doc.contents : this.doc.getIn(parentPath, true);
        if (isMap(parent)) {
          const pair = parent.items.find(
            (p) => isPair(p) && isScalar(p.key) && p.key.value === last,
          );
          if (pair && isNode(pair.key) && pair.key.range)
            return this.counter.linePos(pair.key.range[0]);
        }
        continue;
      }
      const node = depth === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return this.counter.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  /** `file:line:col` of a path. */
  where(path: YamlPath): string {
    const { line, col } = this.locate(path);
    return `${this.displayPath}:${line}:${col}`;
  }

  error(path: YamlPath, message: string): MloError {
    const { line, col } = this.locate(path);
    return configError(this.displayPath, [{ line, col, path: path.join('.'), message }]);
  }
}
