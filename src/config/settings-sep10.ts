/** Settings of SEP-10, composed into the one schema (src/config/schema.ts). */
import type { Setting } from './setting.js';

export const sep10Settings = {} satisfies Record<string, Setting<unknown>>;
