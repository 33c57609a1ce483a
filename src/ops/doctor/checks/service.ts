/**
 * systemd checks: the unit files as written (parsed, so a test can give any file) and the units as
 * systemd runs them (`systemctl show`).
 */
import { join } from 'node:path';
import type { CheckContext } from '../context.js';
import { fail, manual, needsRoot, pass, warn, type Outcome } from '../outcome.js';
import { parseKeyValues } from '../parse/key-value.js';
import { parseUnit, unitValue, type Unit } from '../parse/systemd-unit.js';
import { commandTrouble, runCommand, type Check } from './check.js';

export const SERVICE_UNITS = ['rampart.service', 'rampart-worker.service'] as const;
const UNIT_BYTES_MAX = 256 * 1024;

type UnitRead =
  | { kind: 'ok'; unit: Unit; path: string }
  | { kind: 'missing' | 'denied' | 'error'; path: string; message: string };

/** The unit file and its drop-ins (`<unit>.d/*.conf`, in name order), as systemd layers them. */
export function readUnit(context: CheckContext, name: string): Promise<UnitRead> {
  return context.once(`unit:${name}`, async () => {
    const path = join(context.config.doctorSystemdDir, name);
    const main = await context.host.readFile(path, UNIT_BYTES_MAX);
    if (main.kind !== 'ok') {
      return { kind: main.kind, path, message: main.kind === 'error' ? main.message : main.kind };
    }
    const texts = [main.text];
    const dropIns = await context.host.listDir(`${path}.d`);
    if (dropIns.kind === 'ok') {
      for (const file of dropIns.names.filter((n) => n.endsWith('.conf'))) {
        const read = await context.host.readFile(join(`${path}.d`, file), UNIT_BYTES_MAX);
        if (read.kind === 'ok') texts.push(read.text);
      }
    }
    return { kind: 'ok', unit: parseUnit(texts), path };
  });
}

function unreadableUnit(read: Exclude<UnitRead, { kind: 'ok' }>): Outcome {
  if (read.kind === 'missing') {
    return fail(
      `${read.path} does not exist`,
      'install the units from deploy/ (docs/deployment.md) and run systemctl daemon-reload',
    );
  }
  if (read.kind === 'denied') return needsRoot(read.path, `${read.path} is installed`);
  return warn(`cannot read ${read.path}: ${read.message}`, 'check DOCTOR_SYSTEMD_DIR');
}

/** Reads both units and hands them to `judge`, or explains why it could not. */
async function withUnits(
  context: CheckContext,
  judge: (units: { name: string; unit: Unit }[]) => Outcome,
): Promise<Outcome> {
  const units: { name: string; unit: Unit }[] = [];
  for (const name of SERVICE_UNITS) {
    const read = await readUnit(context, name);
    if (read.kind !== 'ok') return unreadableUnit(read);
    units.push({ name, unit: read.unit });
  }
  return judge(units);
}

const unitFiles: Check = {
  id: 'service.unit',
  verifies:
    'rampart.service runs `rampart serve` and rampart-worker.service `rampart worker`, each with an EnvironmentFile',
  run: (context) =>
    withUnits(context, (units) => {
      const problems: string[] = [];
      for (const { name, unit } of units) {
        const exec = unitValue(unit, 'Service', 'ExecStart') ?? '';
        const verb = name === 'rampart.service' ? 'serve' : 'worker';
        if (!new RegExp(`\\b${verb}\\b`).test(exec))
          problems.push(`${name}: ExecStart does not run rampart ${verb}`);
        if (unitValue(unit, 'Service', 'EnvironmentFile') === undefined)
          problems.push(`${name}: no EnvironmentFile=`);
      }
      return problems.length > 0
        ? fail(problems.join('; '), 'use the units from deploy/ (docs/deployment.md)')
        : pass(`${SERVICE_UNITS.join(' and ')} run serve and worker with their EnvironmentFile`);
    }),
};

const user: Check = {
  id: 'service.user',
  verifies: 'both units set User= to a user other than root',
  run: (context) =>
    withUnits(context, (units) => {
      const problems: string[] = [];
      for (const { name, unit } of units) {
        const value = unitValue(unit, 'Service', 'User');
        if (value === undefined) problems.push(`${name} has no User= (it runs as root)`);
        else if (value === 'root' || value === '0') problems.push(`${name} runs as root`);
      }
      const expected = context.config.doctorServiceUser;
      return problems.length > 0
        ? fail(problems.join('; '), `set User=${expected} and Group=${expected} in [Service]`)
        : pass(`User=${units.map((u) => unitValue(u.unit, 'Service', 'User')).join(', ')}`);
    }),
};

/** The hardening every unit needs (the deploy kit's units set all of them). */
const HARDENING: readonly { key: string; ok: (value: string | undefined) => boolean; want: string }[] = [
  { key: 'NoNewPrivileges', ok: (v) => v === 'yes' || v === 'true', want: 'NoNewPrivileges=yes' },
  { key: 'ProtectSystem', ok: (v) => v === 'strict', want: 'ProtectSystem=strict' },
  {
    key: 'ProtectHome',
    ok: (v) => v === 'yes' || v === 'true' || v === 'read-only' || v === 'tmpfs',
    want: 'ProtectHome=yes',
  },
  { key: 'PrivateTmp', ok: (v) => v === 'yes' || v === 'true', want: 'PrivateTmp=yes' },
  { key: 'CapabilityBoundingSet', ok: (v) => v === '', want: 'CapabilityBoundingSet=' },
  { key: 'MemoryMax', ok: (v) => v !== undefined && v !== 'infinity', want: 'MemoryMax=' },
  { key: 'ReadWritePaths', ok: (v) => v !== undefined, want: 'ReadWritePaths=<data dir>' },
];

const hardening: Check = {
  id: 'service.hardening',
  verifies:
    'both units set NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, an empty CapabilityBoundingSet, MemoryMax and ReadWritePaths',
  run: (context) =>
    withUnits(context, (units) => {
      const missing: string[] = [];
      for (const { name, unit } of units) {
        const absent = HARDENING.filter((h) => !h.ok(unitValue(unit, 'Service', h.key))).map((h) => h.want);
        if (absent.length > 0) missing.push(`${name} lacks ${absent.join(', ')}`);
      }
      return missing.length > 0
        ? fail(
            missing.join('; '),
            'add the missing settings to [Service] (see the units in deploy/), then systemctl daemon-reload',
          )
        : pass(
            'NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, no capabilities, MemoryMax, ReadWritePaths',
          );
    }),
};

const restart: Check = {
  id: 'service.restart',
  verifies: 'both units restart on failure (Restart=on-failure or always)',
  run: (context) =>
    withUnits(context, (units) => {
      const wrong = units.filter(
        ({ unit }) =>
          !['on-failure', 'always', 'on-abnormal'].includes(unitValue(unit, 'Service', 'Restart') ?? 'no'),
      );
      if (wrong.length > 0) {
        return fail(
          wrong
            .map((w) => `${w.name}: Restart=${unitValue(w.unit, 'Service', 'Restart') ?? 'no'}`)
            .join('; '),
          'set Restart=on-failure and RestartSec=5 in [Service]',
        );
      }
      const first = units[0]?.unit;
      const limit = first === undefined ? undefined : unitValue(first, 'Unit', 'StartLimitBurst');
      return pass(
        `Restart=${units.map((u) => unitValue(u.unit, 'Service', 'Restart')).join(', ')}${limit === undefined ? '' : `, StartLimitBurst=${limit}`}`,
      );
    }),
};

const JOURNAL_OUTPUTS = ['journal', 'journal+console', 'inherit', 'kmsg', 'kmsg+console'];

const journald: Check = {
  id: 'service.journald',
  verifies: 'both units leave StandardOutput/StandardError to the journal',
  run: (context) =>
    withUnits(context, (units) => {
      const wrong: string[] = [];
      for (const { name, unit } of units) {
        for (const key of ['StandardOutput', 'StandardError']) {
          const value = unitValue(unit, 'Service', key);
          if (value !== undefined && !JOURNAL_OUTPUTS.includes(value)) wrong.push(`${name}: ${key}=${value}`);
        }
      }
      return wrong.length > 0
        ? fail(
            wrong.join('; '),
            'remove StandardOutput=/StandardError= so logs go to journald (journalctl -u rampart)',
          )
        : pass('stdout and stderr go to journald (journalctl -u rampart -u rampart-worker)');
    }),
};

export type UnitState =
  { kind: 'ok'; values: ReadonlyMap<string, string> } | { kind: 'unavailable'; outcome: Outcome };

/** `systemctl show` of one unit: load state, file, enablement, activity, restarts, last result. */
export function unitState(context: CheckContext, name: string): Promise<UnitState> {
  return context.once(`systemctl:${name}`, async () => {
    const properties =
      'LoadState,FragmentPath,UnitFileState,ActiveState,SubState,NRestarts,Result,ExecMainExitTimestamp';
    const result = await runCommand(context, 'systemctl', [
      'show',
      name,
      // Parseable times (ExecMainExitTimestamp=@<seconds>); systemd 248+, as on Debian 12 and Ubuntu 22.04+.
      '--timestamp=unix',
      `--property=${properties}`,
    ]);
    if (result.kind === 'exited' && result.code === 0)
      return { kind: 'ok', values: parseKeyValues(result.stdout) };
    const trouble = commandTrouble('systemctl', result);
    return {
      kind: 'unavailable',
      outcome: manual(
        `cannot ask systemd (${trouble})`,
        `on the server, confirm with: systemctl status ${name}`,
      ),
    };
  });
}

async function withStates(
  context: CheckContext,
  names: readonly string[],
  judge: (states: { name: string; values: ReadonlyMap<string, string> }[]) => Outcome,
): Promise<Outcome> {
  const states: { name: string; values: ReadonlyMap<string, string> }[] = [];
  for (const name of names) {
    const state = await unitState(context, name);
    if (state.kind === 'unavailable') return state.outcome;
    states.push({ name, values: state.values });
  }
  return judge(states);
}

const loaded: Check = {
  id: 'service.loaded',
  verifies: 'systemd has loaded both units from /etc/systemd/system',
  run: (context) =>
    withStates(context, SERVICE_UNITS, (states) => {
      const wrong = states.filter((s) => s.values.get('LoadState') !== 'loaded');
      if (wrong.length > 0) {
        return fail(
          wrong.map((s) => `${s.name}: ${s.values.get('LoadState') ?? 'unknown'}`).join('; '),
          'copy the units from deploy/ to /etc/systemd/system and run systemctl daemon-reload',
        );
      }
      const outside = states.filter(
        (s) => !(s.values.get('FragmentPath') ?? '').startsWith('/etc/systemd/system/'),
      );
      if (outside.length > 0) {
        return warn(
          outside.map((s) => `${s.name} loaded from ${s.values.get('FragmentPath') ?? '?'}`).join('; '),
          'install the units in /etc/systemd/system, where local units belong',
        );
      }
      return pass(states.map((s) => s.values.get('FragmentPath')).join(', '));
    }),
};

const enabled: Check = {
  id: 'service.enabled',
  verifies: 'both units are enabled, so they start on boot',
  run: (context) =>
    withStates(context, SERVICE_UNITS, (states) => {
      const wrong = states.filter((s) => s.values.get('UnitFileState') !== 'enabled');
      return wrong.length > 0
        ? fail(
            wrong.map((s) => `${s.name}: ${s.values.get('UnitFileState') || 'not installed'}`).join('; '),
            `systemctl enable ${wrong.map((s) => s.name).join(' ')}`,
          )
        : pass(`${SERVICE_UNITS.join(' and ')} enabled`);
    }),
};

const active: Check = {
  id: 'service.active',
  verifies: 'both units are running, and say how often systemd restarted them',
  run: (context) =>
    withStates(context, SERVICE_UNITS, (states) => {
      const down = states.filter((s) => s.values.get('ActiveState') !== 'active');
      if (down.length > 0) {
        return fail(
          down
            .map(
              (s) => `${s.name}: ${s.values.get('ActiveState') ?? '?'} (${s.values.get('SubState') ?? '?'})`,
            )
            .join('; '),
          `journalctl -u ${down[0]?.name ?? 'rampart'} -n 50, fix the cause, then systemctl start it`,
        );
      }
      const restarts = states.map((s) => Number(s.values.get('NRestarts') ?? '0')).reduce((a, b) => a + b, 0);
      return restarts > 0
        ? warn(
            `running, restarted ${restarts} time(s) by systemd`,
            'read journalctl -u rampart -u rampart-worker for why it crashed',
          )
        : pass('both running, no restarts');
    }),
};

export const serviceChecks: readonly Check[] = [
  unitFiles,
  loaded,
  enabled,
  active,
  restart,
  journald,
  user,
  hardening,
];
export { withStates };
