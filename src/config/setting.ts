/**
 * The building blocks of the configuration schema: each setting knows its environment variable,
 * its documentation, whether it is a secret, its default and how to parse and validate itself.
 * One descriptor is the single source for parsing, the typed `Config` and docs/configuration.md.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Setting<T, Optional extends boolean = boolean> {
  readonly env: string;
  /** Optional settings have no default and are `undefined` when unset. */
  readonly optional: Optional;
  readonly group: string;
  readonly doc: string;
  /** Secrets are redacted wherever configuration is shown or logged. */
  readonly secret: boolean;
  /** The value used when the variable is unset or empty; `undefined` makes the setting optional. */
  readonly fallback: T | undefined;
  /** How the default reads in the documentation. */
  readonly fallbackDoc: string;
  readonly parse: (raw: string) => Parsed<T>;
}

export interface Common<T> {
  env: string;
  group: string;
  doc: string;
  secret?: boolean;
  fallback?: T;
  fallbackDoc?: string;
}

interface OneOfExtra<V> {
  values: readonly V[];
  aliases?: Readonly<Record<string, V>>;
}
interface TextExtra {
  pattern?: RegExp;
  patternDoc?: string;
  maxLength?: number;
}
interface ListExtra {
  item?: (raw: string) => string | null;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** `Opt<C, T>` is true when the descriptor gives no fallback: the setting may be unset. */
export type Opt<C, T> = C extends { fallback: T } ? false : true;

function make<T, C extends Common<T>>(
  common: C,
  parse: (raw: string) => Parsed<T>,
  show: (v: T) => string,
): Setting<T, Opt<C, T>> {
  return {
    env: common.env,
    optional: (common.fallback === undefined) as Opt<C, T>,
    group: common.group,
    doc: common.doc,
    secret: common.secret ?? false,
    fallback: common.fallback,
    fallbackDoc: common.fallbackDoc ?? (common.fallback === undefined ? '(unset)' : show(common.fallback)),
    parse,
  };
}

export function integer<const C extends Common<number> & { min: number; max: number }>(
  common: C,
): Setting<number, Opt<C, number>> {
  return make<number, C>(
    common,
    (raw) => {
      if (!/^-?\d{1,15}$/.test(raw)) return fail(`must be a whole number, got "${raw}"`);
      const value = Number(raw);
      if (value < common.min || value > common.max) {
        return fail(`must be between ${common.min} and ${common.max}, got ${value}`);
      }
      return ok(value);
    },
    String,
  );
}

export function boolean<const C extends Common<boolean>>(common: C): Setting<boolean, Opt<C, boolean>> {
  return make<boolean, C>(
    common,
    (raw) => {
      const lower = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return ok(true);
      if (['false', '0', 'no', 'off'].includes(lower)) return ok(false);
      return fail(`must be true or false, got "${raw}"`);
    },
    String,
  );
}

export function oneOf<const V extends string, const C extends Common<V> & OneOfExtra<V>>(
  common: C & OneOfExtra<V>,
): Setting<V, Opt<C, V>> {
  return make<V, C>(
    common,
    (raw) => {
      const lower = raw.toLowerCase();
      // Own keys only: a plain lookup would accept `__proto__` or `constructor` through the prototype.
      const aliases = common.aliases ?? {};
      if (Object.hasOwn(aliases, lower)) return ok(aliases[lower] as V);
      const found = common.values.find((v) => v === lower);
      if (found !== undefined) return ok(found);
      return fail(`must be one of ${common.values.join(', ')}, got "${raw}"`);
    },
    String,
  );
}

export function text<const C extends Common<string> & TextExtra>(common: C): Setting<string, Opt<C, string>> {
  const maxLength = common.maxLength ?? 4096;
  return make(
    common,
    (raw) => {
      if (raw.length > maxLength) return fail(`must be at most ${maxLength} characters`);
      if (common.pattern !== undefined && !common.pattern.test(raw)) {
        return fail(`must be ${common.patternDoc ?? `of the form ${common.pattern.source}`}`);
      }
      return ok(raw);
    },
    (v) => v,
  );
}

export function url<const C extends Common<URL> & { protocols: readonly string[] }>(
  common: C,
): Setting<URL, Opt<C, URL>> {
  return make(
    common,
    (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        return fail(`must be a URL, got "${redactUrl(raw)}"`);
      }
      if (!common.protocols.includes(parsed.protocol)) {
        return fail(`must use ${common.protocols.join(' or ')}, got ${parsed.protocol}`);
      }
      // node-postgres and ioredis decode the user and password with decodeURIComponent, which
      // throws on a stray `%`: refuse it here, as one line, rather than as a crash when connecting.
      if (!isDecodable(parsed.username) || !isDecodable(parsed.password)) {
        return fail('has a malformed percent escape in its user or password (write % as %25)');
      }
      return ok(parsed);
    },
    (v) => v.toString(),
  );
}

export function list<const C extends Common<readonly string[]> & ListExtra>(
  common: C,
): Setting<readonly string[], Opt<C, readonly string[]>> {
  return make(
    common,
    (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const item of items) {
        const problem = common.item?.(item) ?? null;
        if (problem !== null) return fail(problem);
      }
      return ok(items);
    },
    (v) => (v.length === 0 ? '(empty)' : v.join(',')),
  );
}

function isDecodable(encoded: string): boolean {
  try {
    decodeURIComponent(encoded);
    return true;
  } catch {
    return false;
  }
}

/**
 * Query parameters that carry a password: node-postgres and ioredis both copy query parameters into
 * their connection options, so `?password=` is as secret as the password before the `@`.
 */
export const PASSWORD_PARAMS: readonly string[] = ['password', 'sslpassword'];

/** Hides the password of a connection URL, keeping what an operator needs to recognise it. */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password !== '') parsed.password = '***';
    for (const name of PASSWORD_PARAMS) {
      if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return '***';
  }
}
