/**
 * pino JSON logs to stdout (journald-friendly). Secrets, tokens, passwords and personal data are
 * redacted by path — both at the top level and one level down, since pino's `*.x` does not cover `x`.
 */
import pino, { type Logger } from 'pino';

const SENSITIVE_KEYS = [
  'password',
  'secret',
  'secretKey',
  'secret_key',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'jwt',
  'apiKey',
  'api_key',
  'seed',
  'privateKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-paystack-signature',
  // Personal data (SEP-9 fields and bank details).
  'first_name',
  'last_name',
  'email_address',
  'mobile_number',
  'birth_date',
  'address',
  'id_number',
  'bank_account_number',
  'bvn',
  'nin',
];

export const REDACT_PATHS: readonly string[] = [
  ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-paystack-signature"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'rampart' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
