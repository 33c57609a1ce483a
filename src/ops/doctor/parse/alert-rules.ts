/**
 * Alert rules as the doctor sees them: a name and an expression. They come from Prometheus's
 * /api/v1/rules when DOCTOR_PROMETHEUS_URL is set, or from deploy/monitoring/rules.yml. The file is
 * read with two patterns rather than a YAML parser: the yaml package is a development dependency,
 * and rule files keep `- alert:` and `expr:` on their own lines.
 */
export interface AlertRule {
  readonly name: string;
  readonly expr: string;
}

export function parseRulesFile(text: string): AlertRule[] {
  const rules: AlertRule[] = [];
  let name: string | undefined;
  let expr = '';
  let inExpr = false;
  const flush = (): void => {
    if (name !== undefined) rules.push({ name, expr: expr.trim() });
    name = undefined;
    expr = '';
    inExpr = false;
  };
  for (const line of text.split('\n')) {
    const alert = /^\s*-\s*alert:\s*["']?([A-Za-z0-9_:]+)["']?\s*$/.exec(line);
    if (alert?.[1] !== undefined) {
      flush();
      name = alert[1];
      continue;
    }
    if (/^\s*-\s*record:/.test(line)) {
      flush();
      continue;
    }
    const exprLine = /^\s*expr:\s*(.*)$/.exec(line);
    if (exprLine !== null && name !== undefined) {
      const rest = exprLine[1] ?? '';
      expr = /^[|>][+-]?$/.test(rest.trim()) ? '' : rest;
      inExpr = true;
      continue;
    }
    if (inExpr && /^\s*[a-z_]+:/.test(line)) {
      inExpr = false;
      continue;
    }
    if (inExpr) expr += ` ${line.trim()}`;
  }
  flush();
  return rules;
}

interface PrometheusRulesBody {
  status?: string;
  data?: { groups?: { rules?: { type?: string; name?: string; query?: string }[] }[] };
}

export function parsePrometheusRules(body: string): AlertRule[] | undefined {
  let parsed: PrometheusRulesBody;
  try {
    parsed = JSON.parse(body) as PrometheusRulesBody;
  } catch {
    return undefined;
  }
  if (parsed.status !== 'success' || parsed.data?.groups === undefined) return undefined;
  return parsed.data.groups.flatMap((group) =>
    (group.rules ?? [])
      .filter((rule) => rule.type === 'alerting' && typeof rule.name === 'string')
      .map((rule) => ({ name: rule.name ?? '', expr: rule.query ?? '' })),
  );
}
