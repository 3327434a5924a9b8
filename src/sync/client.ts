/** The client of an mlo server: the data layer's HTTP transport (src/data/remote/http.ts). */
export {
  HttpTransport as ServerClient,
  type ServerTarget,
  type ClientOptions,
  type RequestOptions,
} from '../data/remote/http.js';
