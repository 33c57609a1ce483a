/**
 * SSH checks. `sshd -T` prints the effective options but needs root; without it the doctor reads
 * /etc/ssh/sshd_config and its Include files, first value wins, as sshd does.
 */
import { dirname, join } from 'node:path';
import type { CheckContext } from '../context.js';
import { fail, manual, needsRoot, pass, warn, type Outcome } from '../outcome.js';
import { parseSshdT, sshdLines, SSHD_DEFAULTS, type SshdOptions } from '../parse/sshd-config.js';
import { runCommand, type Check } from './check.js';

const SSHD_CONFIG = '/etc/ssh/sshd_config';
const CONFIG_BYTES_MAX = 256 * 1024;
/** Include depth sshd itself allows is 16; two levels cover every distribution's layout. */
const INCLUDE_DEPTH_MAX = 3;

type SshdRead =
  { kind: 'ok'; options: SshdOptions; source: string } | { kind: 'absent' } | { kind: 'denied' };

/** The files an Include names: a path or a `dir/*.conf` pattern, relative to /etc/ssh. */
async function includeTargets(context: CheckContext, pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith('/') ? pattern : join('/etc/ssh', pattern);
  if (!absolute.includes('*')) return [absolute];
  const dir = dirname(absolute);
  const suffix = absolute.slice(absolute.lastIndexOf('*') + 1);
  const listing = await context.host.listDir(dir);
  if (listing.kind !== 'ok') return [];
  return listing.names.filter((name) => name.endsWith(suffix)).map((name) => join(dir, name));
}

async function readConfigFiles(context: CheckContext): Promise<SshdRead> {
  const options = new Map<string, string>();
  const visit = async (path: string, depth: number): Promise<'ok' | 'missing' | 'denied' | 'stop'> => {
    const read = await context.host.readFile(path, CONFIG_BYTES_MAX);
    if (read.kind === 'missing' || read.kind === 'error') return 'missing';
    if (read.kind === 'denied') return 'denied';
    const { lines, matched } = sshdLines(read.text);
    for (const line of lines) {
      if (line.keyword === 'include' && depth < INCLUDE_DEPTH_MAX) {
        for (const pattern of line.value.split(/\s+/)) {
          for (const target of await includeTargets(context, pattern)) {
            if ((await visit(target, depth + 1)) === 'stop') return 'stop';
          }
        }
        continue;
      }
      if (!options.has(line.keyword)) options.set(line.keyword, line.value.toLowerCase());
    }
    return matched ? 'stop' : 'ok';
  };
  const top = await visit(SSHD_CONFIG, 0);
  if (top === 'missing') return { kind: 'absent' };
  if (top === 'denied') return { kind: 'denied' };
  // ChallengeResponseAuthentication is the old name of KbdInteractiveAuthentication.
  const challenge = options.get('challengeresponseauthentication');
  if (!options.has('kbdinteractiveauthentication') && challenge !== undefined) {
    options.set('kbdinteractiveauthentication', challenge);
  }
  for (const [key, value] of Object.entries(SSHD_DEFAULTS)) if (!options.has(key)) options.set(key, value);
  return { kind: 'ok', options, source: SSHD_CONFIG };
}

function sshdOptions(context: CheckContext): Promise<SshdRead> {
  return context.once('sshd', async () => {
    const effective = await runCommand(context, 'sshd', ['-T']);
    if (effective.kind === 'exited' && effective.code === 0) {
      return { kind: 'ok', options: parseSshdT(effective.stdout), source: 'sshd -T' };
    }
    return readConfigFiles(context);
  });
}

async function withSshd(
  context: CheckContext,
  judge: (options: SshdOptions, source: string) => Outcome,
): Promise<Outcome> {
  const read = await sshdOptions(context);
  if (read.kind === 'absent') {
    return manual(
      `no SSH server configuration (${SSHD_CONFIG})`,
      'confirm how the server is administered; if by SSH, keys only and no root login',
    );
  }
  if (read.kind === 'denied')
    return needsRoot(SSHD_CONFIG, 'sshd -T shows permitrootlogin no and passwordauthentication no');
  return judge(read.options, read.source);
}

const SSHD_FIX_HINT = 'in /etc/ssh/sshd_config.d/rampart.conf, then systemctl reload ssh';

const rootLogin: Check = {
  id: 'host.ssh-root',
  verifies: 'sshd refuses root logins (PermitRootLogin no)',
  run: (context) =>
    withSshd(context, (options, source) => {
      const value = options.get('permitrootlogin') ?? 'prohibit-password';
      if (value === 'no') return pass(`PermitRootLogin no (${source})`);
      if (value === 'yes')
        return fail(`PermitRootLogin yes (${source})`, `set PermitRootLogin no ${SSHD_FIX_HINT}`);
      return warn(
        `PermitRootLogin ${value}: root may still log in with a key (${source})`,
        `set PermitRootLogin no ${SSHD_FIX_HINT}`,
      );
    }),
};

const keys: Check = {
  id: 'host.ssh-keys',
  verifies: 'sshd accepts public keys (PubkeyAuthentication yes)',
  run: (context) =>
    withSshd(context, (options, source) =>
      options.get('pubkeyauthentication') === 'no'
        ? fail(`PubkeyAuthentication no (${source})`, `set PubkeyAuthentication yes ${SSHD_FIX_HINT}`)
        : pass(`PubkeyAuthentication yes (${source})`),
    ),
};

const passwords: Check = {
  id: 'host.ssh-password',
  verifies: 'sshd refuses passwords (PasswordAuthentication no, KbdInteractiveAuthentication no)',
  run: (context) =>
    withSshd(context, (options, source) => {
      const open: string[] = [];
      if (options.get('passwordauthentication') !== 'no') open.push('PasswordAuthentication yes');
      if (options.get('kbdinteractiveauthentication') !== 'no') open.push('KbdInteractiveAuthentication yes');
      return open.length > 0
        ? fail(
            `${open.join(', ')} (${source})`,
            `set both to no ${SSHD_FIX_HINT}, after confirming your key works`,
          )
        : pass(`keys only: PasswordAuthentication no, KbdInteractiveAuthentication no (${source})`);
    }),
};

export const sshChecks: readonly Check[] = [keys, rootLogin, passwords];
