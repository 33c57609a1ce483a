/** Settings of SEP-12, composed into the one schema (src/config/schema.ts). */
import type { Setting } from './setting.js';

export const sep12Settings = {} satisfies Record<string, Setting<unknown>>;
