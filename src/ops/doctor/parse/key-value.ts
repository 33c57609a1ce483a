/** `Key=Value` lines, as `systemctl show` and `timedatectl show` print them. */
export function parseKeyValues(text: string): ReadonlyMap<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return values;
}

/** `/etc/passwd` → user name to uid. */
export function parsePasswd(text: string): ReadonlyMap<string, number> {
  const users = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name === undefined || uid === undefined || name === '' || !/^\d+$/.test(uid)) continue;
    users.set(name, Number(uid));
  }
  return users;
}

/** `/etc/group` → group name to its listed members. */
export function parseGroups(text: string): ReadonlyMap<string, readonly string[]> {
  const groups = new Map<string, readonly string[]>();
  for (const line of text.split('\n')) {
    const [name, , , members] = line.split(':');
    if (name === undefined || name === '' || members === undefined) continue;
    groups.set(
      name,
      members
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    );
  }
  return groups;
}
