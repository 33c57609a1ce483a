/** pg_hba.conf rules (or rows of pg_hba_file_rules), and what the doctor thinks of their methods. */
export interface HbaRule {
  readonly line: number;
  readonly type: string;
  readonly database: string;
  readonly user: string;
  readonly address: string;
  readonly method: string;
}

const IPV4_MASK = /^\d{1,3}(\.\d{1,3}){3}$/;

export function parseHba(text: string): HbaRule[] {
  const rules: HbaRule[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '' || /^include(_if_exists|_dir)?\s/.test(line)) return;
    const fields = line.split(/\s+/);
    const [type, database, user] = fields;
    if (type === undefined || database === undefined || user === undefined) return;
    if (type === 'local') {
      rules.push({ line: index + 1, type, database, user, address: '', method: fields[3] ?? '' });
      return;
    }
    const address = fields[3] ?? '';
    // `host all all 127.0.0.1 255.255.255.255 md5`: an address followed by a separate mask.
    const methodAt = IPV4_MASK.test(fields[4] ?? '') ? 5 : 4;
    rules.push({ line: index + 1, type, database, user, address, method: fields[methodAt] ?? '' });
  });
  return rules;
}

export type HbaVerdict = 'ok' | 'weak' | 'unsafe';

/** trust and password (cleartext) are unsafe; md5 and ident are weaker than scram-sha-256. */
export function judgeMethod(rule: HbaRule): HbaVerdict {
  const method = rule.method.toLowerCase();
  if (method === 'trust' || method === 'password') return 'unsafe';
  if (method === 'md5') return 'weak';
  if (method === 'ident' && rule.type !== 'local') return 'weak';
  return 'ok';
}

/** True for a rule that accepts connections from any address. */
export function isOpenToAll(rule: HbaRule): boolean {
  if (rule.type === 'local') return false;
  return ['all', '0.0.0.0/0', '::/0', '0.0.0.0'].includes(rule.address);
}

export function describeRule(rule: HbaRule): string {
  return `line ${rule.line}: ${[rule.type, rule.database, rule.user, rule.address, rule.method]
    .filter((f) => f !== '')
    .join(' ')}`;
}
