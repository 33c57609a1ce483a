#!/usr/bin/env bash
# Validates the monitoring kit with the real tools:
#   - promtool check rules / test rules on the alert rules and their unit tests;
#   - promtool check config on the example Prometheus configuration (which loads rules.yml);
#   - every alert carries a summary, a description and its runbook_url (docs/runbook.md#<name>);
#   - the Grafana dashboard parses, every panel has a datasource (the $datasource variable) and
#     queries, and every query is valid PromQL (checked by promtool as a recording rule).
# Needs promtool (Debian: apt-get install prometheus) and node. Exits non-zero on the first failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in promtool node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "validate: $tool is not installed (promtool: apt-get install prometheus)" >&2
    exit 1
  fi
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "--- promtool check rules"
promtool check rules rules.yml

echo "--- promtool test rules"
promtool test rules rules.test.yml rules-absent.test.yml

echo "--- promtool check config"
promtool check config prometheus.yml

echo "--- alert annotations"
# One alert at a time: its name, then the annotations that must follow before the next alert.
awk '
  function finish() {
    if (name == "") return
    if (!summary) { print "alert " name " (line " line ") has no summary"; bad = 1 }
    if (!description) { print "alert " name " (line " line ") has no description"; bad = 1 }
    if (runbook != "docs/runbook.md#" tolower(name)) {
      print "alert " name " (line " line ") runbook_url is \"" runbook "\", want docs/runbook.md#" tolower(name)
      bad = 1
    }
  }
  /^ *- alert: / { finish(); name = $3; line = NR; summary = 0; description = 0; runbook = ""; alerts++ }
  /^ *summary: / { summary = 1 }
  /^ *description: / { description = 1 }
  /^ *runbook_url: / { runbook = $2 }
  END { finish(); if (bad) exit 1; print alerts " alert rules annotated" }
' rules.yml

echo "--- grafana dashboard"
# Checks the dashboard and writes its queries, with the Grafana variables filled in, as recording
# rules for promtool to parse.
node - grafana-dashboard.json "$scratch/dashboard-queries.json" <<'NODE'
const fs = require('node:fs');
const [source, queriesOut] = process.argv.slice(2);
const problems = [];
let dashboard;
try {
  dashboard = JSON.parse(fs.readFileSync(source, 'utf8'));
} catch (error) {
  console.error(`${source} is not valid JSON: ${error.message}`);
  process.exit(1);
}
if (typeof dashboard.uid !== 'string' || dashboard.uid === '') problems.push('dashboard has no uid');
if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 36)
  problems.push(`schemaVersion ${dashboard.schemaVersion} is older than Grafana 9`);
const variables = dashboard.templating?.list ?? [];
if (!variables.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'))
  problems.push('no Prometheus datasource variable named "datasource"');
const panels = (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
if (panels.length === 0) problems.push('dashboard has no panels');
const ids = new Set();
const queries = [];
for (const panel of panels) {
  const name = `panel ${panel.id} "${panel.title}"`;
  if (ids.has(panel.id)) problems.push(`${name}: duplicate id`);
  ids.add(panel.id);
  if (panel.datasource?.uid !== '${datasource}') problems.push(`${name}: datasource is not \${datasource}`);
  if (panel.gridPos === undefined) problems.push(`${name}: no gridPos`);
  const targets = panel.targets ?? [];
  if (targets.length === 0) problems.push(`${name}: no targets`);
  for (const target of targets) {
    if (target.datasource?.uid !== '${datasource}') problems.push(`${name} ${target.refId}: datasource is not \${datasource}`);
    if (typeof target.expr !== 'string' || target.expr.trim() === '') {
      problems.push(`${name} ${target.refId}: no expr`);
      continue;
    }
    queries.push({
      record: `grafana_dashboard_panel_${panel.id}_${target.refId}`,
      expr: target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', 'rampart'),
    });
  }
}
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
// JSON is YAML: promtool reads this as a rules file.
fs.writeFileSync(queriesOut, JSON.stringify({ groups: [{ name: 'grafana-dashboard', rules: queries }] }));
console.log(`${panels.length} panels, ${queries.length} queries`);
NODE
promtool check rules "$scratch/dashboard-queries.json" >/dev/null
echo "dashboard queries are valid PromQL"

echo "--- monitoring kit valid"
