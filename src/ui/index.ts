/**
 * The web UI's server side: its JSON API over the library, the change feed, MLflow's
 * REST API and the built front end (ui/ → dist/ui), as one transport-independent
 * handler and a node:http mount.
 *
 *     const ui = await serveUi(repo, { port: 0 });       // `mlo ui`
 *     ui.url; await ui.close();
 *
 *     // mounting it elsewhere (mlo server), behind its own authentication:
 *     const handle = createUiHandler({ repo, readOnly: !token.canWrite, who: token.user });
 *     const res = await handle({ method, path, query, body });  // → UiResponse
 *     // or on node:http, under a prefix:
 *     uiRequestListener(handle, { basePath: '/ui', allowedHosts: 'any' });
 *
 * The API is documented in docs/ui.md.
 */
export { createUiHandler, isUiApiPath, type UiHandler, type UiHandlerOptions } from './handler.js';
export {
  crossOrigin,
  serveUi,
  uiRequestListener,
  DEFAULT_UI_PORT,
  type UiServer,
  type ServeUiOptions,
  type UiListenerOptions,
} from './http.js';
export type { UiRequest, UiResponse, EventFeed } from './types.js';
