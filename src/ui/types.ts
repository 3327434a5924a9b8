/** The UI handler's transport-independent request and response (see handler.ts). */

export interface UiRequest {
  method: string;
  /** the URL path below the UI's mount point, starting with '/' */
  path: string;
  query: URLSearchParams;
  /** the parsed JSON body of a POST */
  body?: unknown;
  /** the raw body of an MLflow artifact upload (mlflow's wantsStream) */
  stream?: AsyncIterable<Uint8Array>;
}

/** Server-sent events: `send` pushes one event; the returned function stops the feed. */
export type EventFeed = (send: (event: string, data: unknown) => void) => () => void;

export interface UiResponse {
  status: number;
  headers?: Record<string, string>;
  /** a JSON document, or */
  json?: unknown;
  /** bytes or text with a content type in headers, or */
  body?: Buffer | string;
  /** a file to stream (an artifact kept loose in the cache), or */
  file?: string;
  /** an event stream (`GET /api/ui/events`) */
  events?: EventFeed;
}
