// The printed report: one table per scenario, then its targets with PASS/FAIL.

const COLUMNS = [
  ['system', (r) => r.name, 'left'],
  ['req/s', (r) => num(r.median.rps, r.median.rps < 100 ? 1 : 0)],
  ['p50 ms', (r) => num(r.median.p50, 2)],
  ['p99 ms', (r) => num(r.median.p99, 2)],
  ['CPU %', (r) => num(r.median.cpuPct, 0)],
  ['CPU ms/1k', (r) => num(r.median.cpuMsPerKReq, 0)],
  ['peak RSS MiB', (r) => num(r.peakRssMiB, 0)],
  ['failed', (r) => String(r.failed ?? 0)],
];

export function formatScenario(result) {
  const lines = [`\n[${result.id}] ${result.title}${result.status === 'ok' ? '' : ` - ${result.status.toUpperCase()}${result.reason ? `: ${result.reason}` : ''}`}`];
  if (result.rows?.length) {
    const cells = [COLUMNS.map(([head]) => head), ...result.rows.map((r) => COLUMNS.map(([, cell]) => cell(r)))];
    const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
    for (const line of cells) {
      lines.push(`  ${line.map((cell, i) => (COLUMNS[i][2] === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`);
    }
  }
  for (const t of result.targets ?? []) lines.push(`  ${verdict(t.pass).padEnd(5)} ${t.label}: ${num(t.value, 2)}${t.unit === 'x' ? '' : ` ${t.unit}`}${t.threshold === null ? '' : ` (target ${t.op} ${t.threshold}${t.unit === 'x' ? '' : ` ${t.unit}`})`}`);
  for (const note of result.notes ?? []) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

export function formatSummary(results) {
  const targets = results.flatMap((r) => r.targets ?? []).filter((t) => t.pass !== null);
  const passed = targets.filter((t) => t.pass).length;
  const other = results.filter((r) => r.status !== 'ok').map((r) => `[${r.id}] ${r.status}`);
  return `\nTargets: ${passed} passed, ${targets.length - passed} failed${other.length ? `; ${other.join(', ')}` : ''}`;
}

function verdict(pass) {
  if (pass === null) return 'INFO';
  return pass ? 'PASS' : 'FAIL';
}

function num(value, digits) {
  if (value === undefined || value === null || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}
