/** Host checks: size, updates, firewall, fail2ban, time, ports, sudo, tools, disk and memory. */
import { dirname, join, resolve } from 'node:path';
import type { CheckContext } from '../context.js';
import type { DiskResult } from '../host-probe.js';
import { fail, manual, needsRoot, pass, warn, worst, type Outcome } from '../outcome.js';
import { parseGroups, parseKeyValues } from '../parse/key-value.js';
import { isLoopback, parseProcNetTcp, type Listener } from '../parse/proc-net.js';
import { commandTrouble, complainsOfRoot, plural, runCommand, type Check } from './check.js';

const GIB = 1024 ** 3;
/** "2 GB" servers report a little under 2 GiB to the kernel, "20 GB" disks a little under 20 GiB. */
const MEMORY_BYTES_MIN = 1.8 * GIB;
const CPUS_MIN = 2;
const DISK_BYTES_MIN = 18 * GIB;
const SMALL_FILE_BYTES_MAX = 1024 * 1024;

function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

/** MemTotal and MemAvailable from /proc/meminfo, in bytes. */
async function memoryOf(
  context: CheckContext,
): Promise<{ totalBytes: number; availableBytes: number } | undefined> {
  const read = await context.once('file:/proc/meminfo', () =>
    context.host.readFile('/proc/meminfo', SMALL_FILE_BYTES_MAX),
  );
  if (read.kind !== 'ok') return undefined;
  const kib = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(read.text);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const totalBytes = kib('MemTotal');
  const availableBytes = kib('MemAvailable');
  return totalBytes === undefined || availableBytes === undefined
    ? undefined
    : { totalBytes, availableBytes };
}

/** The folder the data lives in, for disk checks (the embedded database's, or the backups'). */
function dataPath(context: CheckContext): string {
  const dir = context.config.dataDir;
  return dir.startsWith('memory://') ? context.root : dir;
}

/** Folders a path may still have to be created under, at most. */
const ANCESTORS_MAX = 16;

/** The file system a folder is (or will be) on: its nearest existing ancestor's. */
async function diskOf(context: CheckContext, path: string): Promise<DiskResult & { path: string }> {
  let current = resolve(path);
  for (let depth = 0; depth < ANCESTORS_MAX; depth += 1) {
    const disk = await context.host.disk(current);
    if (disk.kind !== 'missing' || dirname(current) === current) return { ...disk, path: current };
    current = dirname(current);
  }
  return { kind: 'missing', path: current };
}

const resources: Check = {
  id: 'host.resources',
  verifies: 'the server has at least 2 GB of memory, 2 CPU cores and 20 GB of storage',
  async run(context) {
    const memory = await memoryOf(context);
    const disk = await diskOf(context, dataPath(context));
    const cpus = context.host.system().cpus;
    if (memory === undefined || disk.kind !== 'ok') {
      return manual(
        'cannot read /proc/meminfo or the data folder’s file system',
        'confirm 2 GB RAM, 2 CPU cores, 20 GB disk',
      );
    }
    const found = `${gib(memory.totalBytes)} memory, ${cpus} CPU cores, ${gib(disk.totalBytes)} disk`;
    const short: string[] = [];
    if (memory.totalBytes < MEMORY_BYTES_MIN) short.push('memory under 2 GB');
    if (cpus < CPUS_MIN) short.push('fewer than 2 cores');
    if (disk.totalBytes < DISK_BYTES_MIN) short.push('disk under 20 GB');
    return short.length > 0
      ? fail(`${found}: ${short.join(', ')}`, 'resize the server to at least 2 GB / 2 CPU / 20 GB')
      : pass(found);
  },
};

const osUpdates: Check = {
  id: 'host.os-updates',
  verifies:
    'no security updates are pending (apt-get -s upgrade), no reboot is pending, unattended upgrades are on',
  async run(context) {
    const simulated = await runCommand(context, 'apt-get', ['-s', '-o', 'Debug::NoLocking=true', 'upgrade']);
    if (simulated.kind === 'not-found')
      return manual('apt-get not found: not Debian or Ubuntu', 'confirm the OS is fully updated');
    if (simulated.kind !== 'exited' || simulated.code !== 0) {
      return warn(
        `cannot simulate an upgrade: ${commandTrouble('apt-get', simulated)}`,
        'run sudo apt update && sudo apt upgrade',
      );
    }
    const pending = simulated.stdout.split('\n').filter((line) => line.startsWith('Inst '));
    const security = pending.filter((line) => /security/i.test(line));
    const reboot = await context.host.stat('/var/run/reboot-required');
    const auto = await context.host.readFile('/etc/apt/apt.conf.d/20auto-upgrades', SMALL_FILE_BYTES_MAX);
    const unattended = auto.kind === 'ok' && /Unattended-Upgrade\s+"1"/.test(auto.text);
    if (security.length > 0) {
      return fail(
        `${plural(security.length, 'security update')} pending (${plural(pending.length, 'package')} in all)`,
        'sudo apt update && sudo apt upgrade',
      );
    }
    const notes: string[] = [];
    if (pending.length > 0) notes.push(`${plural(pending.length, 'update')} pending`);
    if (reboot.kind === 'ok') notes.push('a reboot is required');
    if (!unattended) notes.push('unattended security upgrades are off');
    return notes.length > 0
      ? warn(
          notes.join(', '),
          'sudo apt upgrade; reboot in a maintenance window; apt install unattended-upgrades',
        )
      : pass('up to date, unattended security upgrades on');
  },
};

const UFW_FIX = 'apt install ufw; ufw default deny incoming; ufw allow 22,80,443/tcp; ufw enable';

/** `ufw status verbose`: active, default incoming policy, and the ports it allows in. */
export function parseUfw(text: string): { active: boolean; denyIncoming: boolean; allowed: string[] } {
  const active = /^Status:\s*active/m.test(text);
  const denyIncoming = /^Default:.*\b(deny|reject) \(incoming\)/m.test(text);
  const allowed = new Set<string>();
  for (const line of text.split('\n')) {
    const rule = /^(\S+?)(?:\/(?:tcp|udp))?(?: \(v6\))?\s+(ALLOW|LIMIT)(?: IN)?\s/.exec(line);
    if (rule?.[1] !== undefined) allowed.add(rule[1]);
  }
  return { active, denyIncoming, allowed: [...allowed] };
}

const firewall: Check = {
  id: 'host.firewall',
  verifies:
    'ufw is active, denies incoming by default and allows only the public ports (DOCTOR_PUBLIC_PORTS)',
  async run(context) {
    const result = await runCommand(context, 'ufw', ['status', 'verbose']);
    if (result.kind === 'not-found') return nftables(context);
    if (complainsOfRoot(result))
      return needsRoot(
        'the firewall state (ufw status)',
        'ufw status verbose shows active, deny incoming, 22/80/443 only',
      );
    if (result.kind !== 'exited' || result.code !== 0)
      return warn(commandTrouble('ufw', result), 'run ufw status verbose by hand');
    const ufw = parseUfw(result.stdout);
    if (!ufw.active) return fail('ufw is inactive', UFW_FIX);
    if (!ufw.denyIncoming) return fail('ufw does not deny incoming by default', 'ufw default deny incoming');
    const expected = new Set(context.config.doctorPublicPorts);
    const extra = ufw.allowed.filter(
      (port) => !expected.has(port) && !['OpenSSH', 'Nginx Full', 'Nginx HTTP', 'Nginx HTTPS'].includes(port),
    );
    return extra.length > 0
      ? warn(`ufw also allows ${extra.join(', ')}`, `ufw delete allow <rule> for each, unless it is needed`)
      : pass(`active, deny incoming, allows ${ufw.allowed.join(', ') || 'nothing'}`);
  },
};

/** Without ufw, an nftables ruleset whose input chain drops by default counts as a firewall. */
async function nftables(context: CheckContext): Promise<Outcome> {
  const result = await runCommand(context, 'nft', ['list', 'ruleset']);
  if (result.kind === 'not-found') return fail('neither ufw nor nftables is installed', UFW_FIX);
  if (complainsOfRoot(result))
    return needsRoot('the nftables ruleset', 'nft list ruleset drops incoming by default');
  if (result.kind !== 'exited' || result.code !== 0)
    return warn(commandTrouble('nft', result), 'run nft list ruleset by hand');
  return /hook input[^;]*;[^}]*policy drop/.test(result.stdout)
    ? pass('nftables: the input chain drops by default')
    : fail('ufw is not installed and nftables does not drop incoming by default', UFW_FIX);
}

const fail2ban: Check = {
  id: 'host.fail2ban',
  verifies: 'fail2ban is running with an sshd jail',
  async run(context) {
    const status = await runCommand(context, 'fail2ban-client', ['status']);
    if (status.kind === 'not-found')
      return fail(
        'fail2ban is not installed',
        'apt install fail2ban and enable the sshd and nginx jails (deploy/)',
      );
    if (status.kind === 'exited' && status.code === 0) {
      const jails =
        /Jail list:\s*(.*)$/m
          .exec(status.stdout)?.[1]
          ?.split(/[,\s]+/)
          .filter((j) => j !== '') ?? [];
      return jails.includes('sshd')
        ? pass(`running, jails: ${jails.join(', ')}`)
        : fail(
            `running without an sshd jail (jails: ${jails.join(', ') || 'none'})`,
            'enable the sshd jail (deploy/ ships jail.d/rampart.conf)',
          );
    }
    if (complainsOfRoot(status))
      return needsRoot('fail2ban’s socket', 'fail2ban-client status lists the sshd jail');
    return fail(
      `fail2ban is not running: ${commandTrouble('fail2ban-client', status)}`,
      'systemctl enable --now fail2ban',
    );
  },
};

function timedatectl(context: CheckContext): Promise<ReadonlyMap<string, string> | string> {
  return context.once('timedatectl', async () => {
    const result = await runCommand(context, 'timedatectl', ['show']);
    if (result.kind === 'exited' && result.code === 0) return parseKeyValues(result.stdout);
    return commandTrouble('timedatectl', result);
  });
}

const timezone: Check = {
  id: 'host.timezone',
  verifies: 'the time zone is set (timedatectl), so logs and timers read as intended',
  async run(context) {
    const values = await timedatectl(context);
    if (typeof values === 'string') {
      const file = await context.host.readFile('/etc/timezone', SMALL_FILE_BYTES_MAX);
      if (file.kind === 'ok' && file.text.trim() !== '') return pass(`${file.text.trim()} (/etc/timezone)`);
      return manual(
        `cannot read the time zone (${values})`,
        'confirm with timedatectl; set it with timedatectl set-timezone UTC',
      );
    }
    const zone = values.get('Timezone') ?? '';
    return zone === ''
      ? fail('no time zone set', 'timedatectl set-timezone UTC (or your zone, e.g. Africa/Lagos)')
      : pass(`Timezone=${zone}`);
  },
};

const ntp: Check = {
  id: 'host.ntp',
  verifies: 'the clock is synchronised by NTP (timedatectl NTPSynchronized=yes)',
  async run(context) {
    const values = await timedatectl(context);
    if (typeof values === 'string') {
      const chrony = await runCommand(context, 'chronyc', ['tracking']);
      if (chrony.kind === 'exited' && chrony.code === 0 && /Leap status\s*:\s*Normal/.test(chrony.stdout)) {
        return pass('chrony is tracking (Leap status: Normal)');
      }
      return manual(
        `cannot ask timedatectl (${values})`,
        'confirm the clock is synchronised: chronyc tracking or timedatectl',
      );
    }
    if (values.get('NTPSynchronized') === 'yes') return pass('NTPSynchronized=yes');
    return fail(
      `NTPSynchronized=${values.get('NTPSynchronized') ?? '?'}, NTP=${values.get('NTP') ?? '?'}`,
      'apt install chrony && systemctl enable --now chrony',
    );
  },
};

/** pg_dump and pg_restore of at least the server's major version: what backups need. */
const tools: Check = {
  id: 'host.tools',
  verifies: 'pg_dump and pg_restore are installed, at least the database server’s major version',
  async run(context) {
    const binDir = context.config.backupPgBinDir;
    const found: string[] = [];
    let major = Number.POSITIVE_INFINITY;
    for (const program of ['pg_dump', 'pg_restore']) {
      const path = binDir === undefined ? program : join(binDir, program);
      const result = await runCommand(context, path, ['--version']);
      if (result.kind !== 'exited' || result.code !== 0) {
        return fail(
          commandTrouble(program, result),
          'apt install postgresql-client (same major version as the server)',
        );
      }
      const version = /(\d+)(?:\.\d+)?/.exec(result.stdout)?.[1];
      // The older of the two decides: both must read the server's dumps.
      major = Math.min(major, Number(version ?? '0'));
      found.push(`${program} ${version ?? '?'}`);
    }
    const server =
      context.database.kind === 'open' && context.database.sql.kind === 'postgres'
        ? await serverMajor(context)
        : undefined;
    if (server !== undefined && major < server) {
      return fail(
        `${found.join(', ')} are older than the server (${server})`,
        `apt install postgresql-client-${server}, or set BACKUP_PG_BIN_DIR`,
      );
    }
    return pass(`${found.join(', ')}${server === undefined ? '' : `, server ${server}`}`);
  },
};

async function serverMajor(context: CheckContext): Promise<number | undefined> {
  if (context.database.kind !== 'open') return undefined;
  const sql = context.database.sql;
  try {
    const rows = await context.once('sql:server_version_num', () =>
      sql.query<{ server_version_num: string }>('show server_version_num'),
    );
    const number = Number(rows[0]?.server_version_num ?? 'NaN');
    return Number.isFinite(number) ? Math.floor(number / 10_000) : undefined;
  } catch {
    return undefined;
  }
}

async function listeners(context: CheckContext): Promise<Listener[] | undefined> {
  const found: Listener[] = [];
  let readable = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const read = await context.host.readFile(file, 8 * SMALL_FILE_BYTES_MAX);
    if (read.kind !== 'ok') continue;
    readable = true;
    found.push(...parseProcNetTcp(read.text));
  }
  return readable ? found : undefined;
}

function describeListener(listener: Listener): string {
  return listener.address.includes(':')
    ? `[${listener.address}]:${listener.port}`
    : `${listener.address}:${listener.port}`;
}

const ports: Check = {
  id: 'host.ports',
  verifies:
    'only the public ports (22, 80, 443) listen on non-loopback addresses; everything else is bound to 127.0.0.1',
  async run(context) {
    const all = await listeners(context);
    if (all === undefined)
      return manual(
        'cannot read /proc/net/tcp',
        'confirm with ss -ltn that only 22, 80 and 443 listen publicly',
      );
    const expected = new Set(context.config.doctorPublicPorts.map(Number));
    const exposed = all.filter((l) => !isLoopback(l.address));
    const unexpected = exposed.filter((l) => !expected.has(l.port));
    const unique = [...new Set(unexpected.map(describeListener))];
    if (unique.length > 0) {
      return fail(
        `listening publicly: ${unique.join(', ')}`,
        'bind each service to 127.0.0.1 (HOST=127.0.0.1 for Rampart, listen_addresses for PostgreSQL, bind for Redis) or stop it',
      );
    }
    const open = [...new Set(exposed.map((l) => l.port))].sort((a, b) => a - b);
    return pass(
      `public: ${open.join(', ') || 'none'}; ${plural(all.length - exposed.length, 'loopback listener')}`,
    );
  },
};

const sudo: Check = {
  id: 'host.sudo',
  verifies: 'the service user is not in sudo/admin/wheel; lists who is, for a person to confirm',
  async run(context) {
    const read = await context.host.readFile('/etc/group', SMALL_FILE_BYTES_MAX);
    if (read.kind !== 'ok')
      return manual('cannot read /etc/group', 'confirm only administrators are in the sudo group');
    const groups = parseGroups(read.text);
    const members = new Set(['sudo', 'admin', 'wheel'].flatMap((g) => groups.get(g) ?? []));
    const user = context.config.doctorServiceUser;
    if (members.has(user)) return fail(`${user} can use sudo`, `gpasswd -d ${user} sudo`);
    if (members.size === 0) return pass('no user in sudo, admin or wheel (root only)');
    return manual(
      `sudo users: ${[...members].join(', ')}`,
      'confirm each one still needs sudo (gpasswd -d USER sudo otherwise)',
    );
  },
};

async function diskOutcome(context: CheckContext, label: string, path: string): Promise<Outcome> {
  const disk = await diskOf(context, path);
  if (disk.kind === 'missing')
    return warn(`no file system found for ${label} ${path}`, 'check RAMPART_DATA_DIR and BACKUP_DIR');
  if (disk.kind !== 'ok') return needsRoot(`${label} ${path}`, 'df -h shows enough free space');
  const freePercent = (disk.freeBytes / disk.totalBytes) * 100;
  const min = context.config.doctorDiskFreeMinPercent;
  const found = `${label} ${path}: ${freePercent.toFixed(0)}% free (${gib(disk.freeBytes)} of ${gib(disk.totalBytes)})`;
  if (freePercent < (min * 2) / 3)
    return fail(found, 'free space: old backups, journald (journalctl --vacuum-size=500M), or grow the disk');
  if (freePercent < min) return warn(found, 'plan more space before it runs out');
  return pass(found);
}

const disk: Check = {
  id: 'host.disk',
  verifies: 'the data and backup folders’ file systems have DOCTOR_DISK_FREE_MIN_PERCENT free',
  async run(context) {
    const backupDir = context.config.backupDir ?? join(context.config.dataDir, 'backups');
    const outcomes = [await diskOutcome(context, 'data', dataPath(context))];
    if (!context.config.dataDir.startsWith('memory://'))
      outcomes.push(await diskOutcome(context, 'backups', backupDir));
    return worst(outcomes);
  },
};

const memory: Check = {
  id: 'host.memory',
  verifies: 'available memory is above DOCTOR_MEMORY_AVAILABLE_MIN_PERCENT',
  async run(context) {
    const found = await memoryOf(context);
    if (found === undefined)
      return manual('cannot read /proc/meminfo', 'confirm with free -m that memory is not exhausted');
    const percent = (found.availableBytes / found.totalBytes) * 100;
    const min = context.config.doctorMemoryAvailableMinPercent;
    const detail = `${percent.toFixed(0)}% available (${gib(found.availableBytes)} of ${gib(found.totalBytes)})`;
    if (percent < min / 2)
      return fail(
        detail,
        'find what uses it (ps aux --sort=-rss | head), lower DATABASE_POOL_MAX or shared_buffers, or add memory',
      );
    if (percent < min) return warn(detail, 'watch memory: ps aux --sort=-rss | head');
    return pass(detail);
  },
};

export const hostChecks: readonly Check[] = [
  resources,
  osUpdates,
  firewall,
  fail2ban,
  timezone,
  ntp,
  tools,
  ports,
  sudo,
  disk,
  memory,
];
export { serverMajor };
