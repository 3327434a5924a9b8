/**
 * `mlo server`: one shared hub for a team, its CI and its production servers. The
 * same program over a bare store (mlo server init DIR): sync of records, the registry
 * of record, objects, prediction-log ingest and the MLflow REST API, behind tokens.
 *
 *     initServerStore('/srv/mlo');
 *     const { token } = createToken(openBareRepo('/srv/mlo').store, 'ci', 'write');
 *     const server = await startServer({ store: '/srv/mlo', port: 5000 });
 *
 * docs/server-api.md lists the endpoints.
 */
export {
  initServerStore,
  openBareRepo,
  type InitServerResult,
  type InitServerOptions,
} from './bare.js';
export type { ObjectsBackendSpec } from './objects-backend.js';
export { startServer, checkPort, type ServerOptions, type RunningServer } from './server.js';
export {
  createToken,
  listTokenInfo,
  revokeTokenByName,
  scopeAllows,
  SCOPES,
  type CreatedToken,
  type TokenInfo,
  type TokenScope,
  type Identity,
} from './tokens.js';
export type { Mount, Call, Reply, Scope } from './http.js';
