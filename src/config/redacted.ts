/** The effective configuration as it may be shown or logged: secrets never leave the process. */
import { settings, type Config } from './schema.js';
import { redactUrl, type Setting } from './setting.js';

export const REDACTED = '[redacted]';

export function redactedConfig(config: Config): Record<string, string | number | boolean | null> {
  const shown: Record<string, string | number | boolean | null> = {};
  for (const [key, setting] of Object.entries(settings) as [keyof Config, Setting<unknown>][]) {
    const value: unknown = config[key];
    shown[setting.env] = show(value, setting.secret);
  }
  return shown;
}

function show(value: unknown, secret: boolean): string | number | boolean | null {
  if (value === undefined) return null;
  // A connection URL names the host an operator needs to see; only its password is secret. Any URL
  // may carry one (a hosted Horizon's credentials), so every URL is shown without it.
  if (value instanceof URL) return redactUrl(value.toString());
  if (secret) return REDACTED;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return REDACTED;
}
