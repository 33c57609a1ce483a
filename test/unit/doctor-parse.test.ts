/** The doctor's readers of other programs' files and output, and the pieces of its report. */
import { describe, expect, it } from 'vitest';
import { parseUfw } from '../../src/ops/doctor/checks/host.js';
import { isRestrictive, judgeAudit } from '../../src/ops/doctor/checks/build.js';
import { META_CHECKS } from '../../src/ops/doctor/checks/index.js';
import { oneLine, worst, pass, warn, fail, manual, LINE_CHARS_MAX } from '../../src/ops/doctor/outcome.js';
import { parsePrometheusRules, parseRulesFile } from '../../src/ops/doctor/parse/alert-rules.js';
import { parseGroups, parseKeyValues, parsePasswd } from '../../src/ops/doctor/parse/key-value.js';
import { isOpenToAll, judgeMethod, parseHba } from '../../src/ops/doctor/parse/pg-hba.js';
import { isLoopback, parseProcNetTcp } from '../../src/ops/doctor/parse/proc-net.js';
import { parseSshdT, sshdLines } from '../../src/ops/doctor/parse/sshd-config.js';
import { parseUnit, unitEnvironment, unitValue } from '../../src/ops/doctor/parse/systemd-unit.js';

describe('systemd units', () => {
  it('reads sections, continuations and comments; a drop-in overrides and an empty value resets', () => {
    const unit = parseUnit([
      '[Unit]\nDescription=x\n# Restart=always\n[Service]\nExecStart=/usr/bin/node \\\n  main.js serve\nRestart=always\nMemoryMax=1G\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n',
      '[Service]\nRestart=on-failure\nMemoryMax=\nCapabilityBoundingSet=\n',
    ]);
    expect(unitValue(unit, 'Service', 'ExecStart')).toBe('/usr/bin/node    main.js serve');
    expect(unitValue(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(unitValue(unit, 'Service', 'MemoryMax')).toBeUndefined();
    expect(unitValue(unit, 'Service', 'CapabilityBoundingSet')).toBe('');
    expect(unitValue(unit, 'Unit', 'Restart')).toBeUndefined();
  });

  it('collects Environment= assignments of [Service], quoted or bare, later ones winning', () => {
    const text =
      '[Unit]\nEnvironment=IGNORED=1\n[Service]\nEnvironment=NODE_ENV=production\nEnvironment="A=b c" D=e\nEnvironment=D=f\n';
    expect(unitEnvironment(text)).toEqual({ NODE_ENV: 'production', A: 'b c', D: 'f' });
  });
});

describe('/proc/net/tcp', () => {
  it('finds listening sockets (IPv4 and IPv6) and skips the others', () => {
    const v4 = [
      '  sl  local_address rem_address   st',
      '   0: 00000000:0016 00000000:0000 0A 00000000:00000000',
      '   1: 0100007F:1F40 00000000:0000 0A 00000000:00000000',
      '   2: 0100007F:1F40 0100007F:D2F0 01 00000000:00000000',
    ].join('\n');
    expect(parseProcNetTcp(v4)).toEqual([
      { address: '0.0.0.0', port: 22 },
      { address: '127.0.0.1', port: 8000 },
    ]);
    const v6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A',
      '   1: 00000000000000000000000001000000:1538 00000000000000000000000000000000:0000 0A',
      '   2: 0000000000000000FFFF00000100007F:18EB 00000000000000000000000000000000:0000 0A',
    ].join('\n');
    expect(parseProcNetTcp(v6)).toEqual([
      { address: '::', port: 443 },
      { address: '::1', port: 5432 },
      { address: '::ffff:127.0.0.1', port: 6379 },
    ]);
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.5'].some(isLoopback)).toBe(false);
  });
});

describe('pg_hba.conf', () => {
  it('reads local and host rules, with a separate netmask, skipping comments and includes', () => {
    const rules = parseHba(
      '# comment\nlocal all postgres peer\nhost all all 127.0.0.1 255.255.255.255 md5\nhostssl rampart rampart_app 0.0.0.0/0 scram-sha-256 # all\ninclude_dir conf.d\n',
    );
    expect(rules.map((r) => [r.line, r.type, r.address, r.method])).toEqual([
      [2, 'local', '', 'peer'],
      [3, 'host', '127.0.0.1', 'md5'],
      [4, 'hostssl', '0.0.0.0/0', 'scram-sha-256'],
    ]);
    expect(rules.map(judgeMethod)).toEqual(['ok', 'weak', 'ok']);
    expect(rules.map(isOpenToAll)).toEqual([false, false, true]);
  });

  it('calls trust and password unsafe, ident over TCP weak', () => {
    const [trust, password, ident, localIdent] = parseHba(
      'host all all ::1/128 trust\nhost all all ::1/128 password\nhost all all ::1/128 ident\nlocal all all ident\n',
    );
    expect(
      [trust, password, ident, localIdent].map((r) => (r === undefined ? 'none' : judgeMethod(r))),
    ).toEqual(['unsafe', 'unsafe', 'weak', 'ok']);
  });
});

describe('sshd', () => {
  it('takes the first value of sshd -T and of config lines, stopping at Match', () => {
    expect(parseSshdT('permitrootlogin no\nPermitRootLogin yes\n').get('permitrootlogin')).toBe('no');
    const { lines, matched } = sshdLines(
      'PermitRootLogin no # comment\nPasswordAuthentication=no\nMatch User x\nPasswordAuthentication yes\n',
    );
    expect(matched).toBe(true);
    expect(lines).toEqual([
      { keyword: 'permitrootlogin', value: 'no' },
      { keyword: 'passwordauthentication', value: 'no' },
    ]);
  });
});

describe('alert rules', () => {
  it('reads alert names and expressions from a rules file, including folded expressions, skipping records', () => {
    const rules = parseRulesFile(`groups:
  - name: a
    rules:
      - record: job:up:sum
        expr: sum(up)
      - alert: RampartDown
        expr: up{job="rampart"} == 0
        for: 2m
      - alert: "RampartDiskSpaceLow"
        expr: |
          node_filesystem_avail_bytes
            / node_filesystem_size_bytes < 0.1
        labels:
          severity: page
`);
    expect(rules).toEqual([
      { name: 'RampartDown', expr: 'up{job="rampart"} == 0' },
      { name: 'RampartDiskSpaceLow', expr: 'node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1' },
    ]);
  });

  it('reads alerting rules from the Prometheus API and refuses anything else', () => {
    const body = JSON.stringify({
      status: 'success',
      data: {
        groups: [
          {
            rules: [
              { type: 'recording', name: 'r', query: 'x' },
              { type: 'alerting', name: 'A', query: 'up == 0' },
            ],
          },
        ],
      },
    });
    expect(parsePrometheusRules(body)).toEqual([{ name: 'A', expr: 'up == 0' }]);
    expect(parsePrometheusRules('<html>')).toBeUndefined();
    expect(parsePrometheusRules('{"status":"error"}')).toBeUndefined();
  });
});

describe('small readers', () => {
  it('reads key=value lines, passwd and group', () => {
    expect(parseKeyValues('A=1\nB=x=y\nnoise\n')).toEqual(
      new Map([
        ['A', '1'],
        ['B', 'x=y'],
      ]),
    );
    expect(
      parsePasswd('root:x:0:0::/root:/bin/sh\nbad\nrampart:x:999:999::/:/bin/false\n').get('rampart'),
    ).toBe(999);
    expect(parseGroups('sudo:x:27:ada,bob\nwheel:x:10:\n')).toEqual(
      new Map([
        ['sudo', ['ada', 'bob']],
        ['wheel', []],
      ]),
    );
  });

  it('reads ufw status: active, default policy and allowed ports', () => {
    expect(
      parseUfw(
        'Status: active\nDefault: deny (incoming), allow (outgoing)\n\n22/tcp   ALLOW IN   Anywhere\n8080     ALLOW IN   10.0.0.0/8\n22/tcp (v6)   ALLOW IN   Anywhere (v6)\n',
      ),
    ).toEqual({
      active: true,
      denyIncoming: true,
      allowed: ['22', '8080'],
    });
    expect(parseUfw('Status: inactive\n').active).toBe(false);
  });

  it('judges npm audit reports by severity', () => {
    expect(
      judgeAudit('{"metadata":{"vulnerabilities":{"critical":0,"high":0,"moderate":0,"low":3}}}', 'x').status,
    ).toBe('PASS');
    expect(judgeAudit('{"metadata":{"vulnerabilities":{"moderate":1}}}', 'x').status).toBe('WARN');
    expect(judgeAudit('{"metadata":{"vulnerabilities":{"critical":1}}}', 'x').status).toBe('FAIL');
    expect(judgeAudit('not json', 'x').status).toBe('WARN');
  });

  it('calls a licence restrictive only when every alternative is', () => {
    expect(isRestrictive('AGPL-3.0')).toBe(true);
    expect(isRestrictive('GPL-2.0-only')).toBe(true);
    expect(isRestrictive('(MIT OR GPL-3.0)')).toBe(false);
    expect(isRestrictive('LGPL-3.0')).toBe(false);
    expect(isRestrictive('Apache-2.0')).toBe(false);
  });
});

describe('outcomes', () => {
  it('keeps details to one bounded line', () => {
    expect(oneLine('a\n  b\tc')).toBe('a b c');
    expect(oneLine('x'.repeat(1000))).toHaveLength(LINE_CHARS_MAX);
  });

  it('leads an item backed by several checks with the worst, keeping every detail and fix once', () => {
    const combined = worst([
      pass('fine'),
      fail('broken', 'mend it'),
      warn('meh', 'look'),
      fail('broken', 'mend it'),
    ]);
    expect(combined).toEqual({ status: 'FAIL', detail: 'broken; meh; fine', fix: 'mend it; look' });
    expect(worst([pass('a'), manual('b', 'confirm')]).status).toBe('MANUAL');
  });

  it('judges the report in its meta items', () => {
    const meta = (id: string) => META_CHECKS.find((m) => m.id === id)!;
    const others = [
      { id: 'a', status: 'PASS' as const },
      { id: 'b', status: 'WARN' as const },
      { id: 'c', status: 'MANUAL' as const },
    ];
    expect(meta('report.no-failures').evaluate(others).status).toBe('PASS');
    expect(meta('report.no-warnings').evaluate(others)).toMatchObject({
      status: 'WARN',
      detail: '1 item warning: b',
    });
    expect(meta('report.complete').evaluate(others).status).toBe('MANUAL');
    expect(meta('report.complete').evaluate([{ id: 'a', status: 'PASS' }]).status).toBe('PASS');
    const failing = [...others, { id: 'd', status: 'FAIL' as const }];
    expect(meta('report.no-failures').evaluate(failing)).toMatchObject({
      status: 'FAIL',
      detail: '1 item failing: d',
    });
    expect(meta('report.complete').evaluate(failing).status).toBe('FAIL');
  });
});
