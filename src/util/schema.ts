/**
 * zod setup. mlo uses zod/mini: its functional API tree-shakes, classic zod costs
 * ~30 ms of parse time on every command. Modules write
 *
 *   import * as z from 'zod/mini';
 *   import '../util/schema.js'; // English messages
 *
 * Never re-export the namespace (`export { z }`): esbuild then keeps all of zod
 * (550 KB) instead of the few functions used. The locale is imported on its own for
 * the same reason: `z.locales` would pull in every language.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
