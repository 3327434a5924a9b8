/**
 * The zod flavour used everywhere. zod/mini keeps start-up fast (its functional API
 * tree-shakes; classic zod costs ~30 ms of parse time on every command), and the
 * English locale gives readable messages.
 */
import * as z from 'zod/mini';

z.config(z.locales.en());

export { z };
