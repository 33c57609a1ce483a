/** Settings of SEP-38, composed into the one schema (src/config/schema.ts). */
import type { Setting } from './setting.js';

export const sep38Settings = {} satisfies Record<string, Setting<unknown>>;
