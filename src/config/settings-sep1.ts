/** Settings of SEP-1, composed into the one schema (src/config/schema.ts). */
import type { Setting } from './setting.js';

export const sep1Settings = {} satisfies Record<string, Setting<unknown>>;
