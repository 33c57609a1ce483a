/**
 * sshd's effective options. `sshd -T` (root) prints them all in lower case; without root the doctor
 * reads sshd_config and its Include files the way sshd does: the first value of a keyword wins, and
 * a `Match` block only applies to some connections, so reading stops there.
 */
export type SshdOptions = ReadonlyMap<string, string>;

export function parseSshdT(text: string): SshdOptions {
  const options = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === undefined || key === '' || options.has(key.toLowerCase())) continue;
    options.set(key.toLowerCase(), rest.join(' ').toLowerCase());
  }
  return options;
}

export interface SshdLine {
  readonly keyword: string;
  readonly value: string;
}

/** The directives of one file, in order, up to its first Match block. */
export function sshdLines(text: string): { lines: SshdLine[]; matched: boolean } {
  const lines: SshdLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const [keyword, ...rest] = line.split(/[\s=]+/);
    if (keyword === undefined) continue;
    if (keyword.toLowerCase() === 'match') return { lines, matched: true };
    lines.push({ keyword: keyword.toLowerCase(), value: rest.join(' ') });
  }
  return { lines, matched: false };
}

/** Defaults of OpenSSH 9 for the options the doctor reads. */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  permitrootlogin: 'prohibit-password',
  passwordauthentication: 'yes',
  pubkeyauthentication: 'yes',
  kbdinteractiveauthentication: 'yes',
};
