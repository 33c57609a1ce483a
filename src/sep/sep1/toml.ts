/**
 * A tiny TOML writer for the one document Rampart publishes: top-level keys, tables and arrays of
 * tables, whose values are strings, integers and booleans. Strings are basic strings with every
 * character TOML requires escaped (quote, backslash, control characters), so no configured value
 * can break out of its line or inject a key. Keys are bare keys and are asserted to be.
 */
import { assert } from '../../domain/assert.js';

export type TomlValue = string | number | boolean;
/** Absent values are omitted, so optional settings need no special casing at the call site. */
export type TomlTable = Readonly<Record<string, TomlValue | undefined>>;

export interface TomlDocument {
  readonly root: TomlTable;
  readonly tables: Readonly<Record<string, TomlTable>>;
  readonly arrays: Readonly<Record<string, readonly TomlTable[]>>;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
};

export function tomlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const short = SHORT_ESCAPES[char];
    const code = char.codePointAt(0) ?? 0;
    if (short !== undefined) out += short;
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

function tomlValue(value: TomlValue): string {
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  assert(Number.isSafeInteger(value), 'stellar.toml holds integers only');
  return String(value);
}

function lines(table: TomlTable): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(table)) {
    assert(BARE_KEY.test(key), `TOML key ${key} must be a bare key`);
    if (value !== undefined) out.push(`${key} = ${tomlValue(value)}`);
  }
  return out;
}

export function renderToml(document: TomlDocument): string {
  const out = lines(document.root);
  for (const [name, table] of Object.entries(document.tables)) {
    assert(BARE_KEY.test(name), `TOML table ${name} must be a bare key`);
    out.push('', `[${name}]`, ...lines(table));
  }
  for (const [name, tables] of Object.entries(document.arrays)) {
    assert(BARE_KEY.test(name), `TOML array ${name} must be a bare key`);
    for (const table of tables) out.push('', `[[${name}]]`, ...lines(table));
  }
  return `${out.join('\n')}\n`;
}
