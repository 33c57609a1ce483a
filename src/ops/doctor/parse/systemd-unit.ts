/**
 * A systemd unit file, read the way systemd reads it for the settings the doctor checks: sections,
 * `Key=Value` assignments, comments, line continuations; a later assignment (in the file or a
 * drop-in) overrides an earlier one, and an empty assignment resets the setting.
 */
export type Unit = ReadonlyMap<string, ReadonlyMap<string, string>>;

export function parseUnit(texts: readonly string[]): Unit {
  const sections = new Map<string, Map<string, string>>();
  for (const text of texts) {
    let current: Map<string, string> | undefined;
    const joined = text.replace(/\\\r?\n/g, ' ');
    for (const raw of joined.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const header = /^\[([^\]]+)\]$/.exec(line);
      if (header?.[1] !== undefined) {
        current = sections.get(header[1]) ?? new Map<string, string>();
        sections.set(header[1], current);
        continue;
      }
      const at = line.indexOf('=');
      if (current === undefined || at <= 0) continue;
      const key = line.slice(0, at).trim();
      const value = line.slice(at + 1).trim();
      if (value === '') current.delete(key);
      else current.set(key, value);
      // An explicitly empty CapabilityBoundingSet= is meaningful: it drops every capability.
      if (value === '' && key === 'CapabilityBoundingSet') current.set(key, '');
    }
  }
  return sections;
}

export function unitValue(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key);
}

/**
 * The variables a unit's `Environment=` lines set in [Service] (quoted or bare `KEY=value` words),
 * later lines winning — the part of the service's environment that is not in its EnvironmentFile.
 */
export function unitEnvironment(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  let inService = false;
  for (const raw of text.replace(/\\\r?\n/g, ' ').split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header !== null) {
      inService = header[1] === 'Service';
      continue;
    }
    const value = /^Environment\s*=\s*(.*)$/.exec(line)?.[1];
    if (!inService || value === undefined) continue;
    for (const match of value.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
      const word = match[1] ?? match[2] ?? match[3] ?? '';
      const at = word.indexOf('=');
      if (at > 0) variables[word.slice(0, at)] = word.slice(at + 1);
    }
  }
  return variables;
}
