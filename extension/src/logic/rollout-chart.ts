/**
 * The rollout page's chart: a flag's served percentage in one environment over time, read from the audit log,
 * drawn as a step chart in SVG (no chart library: the webview stays small and works offline).
 */
import type { AuditEntry, JsonValue } from '@rollgate/shared/flags';

export interface RolloutPoint {
  /** ISO time of the change. */
  readonly at: string;
  /** Percentage served the new variant after the change (0 after a kill switch). */
  readonly percentage: number;
  /** What happened: `flag.set-rollout`, `rollout.advance`, `kill switch`, … */
  readonly label: string;
}

function segments(path: string): string[] {
  return path.split(/[./]/).filter(Boolean);
}

/** The percentage a change sets, if it is a rollout or enabled change. */
function percentageOf(change: { path: string; after?: JsonValue }): { percentage: number; kill: boolean } | undefined {
  const parts = segments(change.path);
  const last = parts.at(-1);
  const beforeLast = parts.at(-2);
  if (last === 'percentage' && beforeLast === 'rollout' && typeof change.after === 'number') {
    return { percentage: change.after, kill: false };
  }
  if (last === 'rollout') {
    const after = change.after;
    const pct = typeof after === 'object' && after !== null && !Array.isArray(after) ? after.percentage : undefined;
    return { percentage: typeof pct === 'number' ? pct : 0, kill: false };
  }
  if (last === 'enabled' && change.after === false) return { percentage: 0, kill: true };
  return undefined;
}

/** The served-percentage timeline of `flagKey` in `environment`, oldest first. */
export function rolloutSeries(audit: readonly AuditEntry[], flagKey: string, environment: string): RolloutPoint[] {
  const points: RolloutPoint[] = [];
  for (const entry of audit) {
    if (entry.flagKey !== flagKey) continue;
    if (entry.environment !== undefined && entry.environment !== environment) continue;
    for (const change of entry.changes) {
      if (entry.environment === undefined && !segments(change.path).includes(environment)) continue;
      const found = percentageOf(change);
      if (found) {
        points.push({ at: entry.at, percentage: found.percentage, label: found.kill ? 'kill switch' : entry.action });
      }
    }
  }
  return points;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An SVG step chart of `points` (x: time, y: 0–100 %), with a dot and tooltip per change.
 * Empty input gives a chart with a "no rollout changes yet" note. Times are labelled in local time (`locale`
 * undefined: the runtime's).
 */
export function renderRolloutChartSvg(
  points: readonly RolloutPoint[],
  options: { width?: number; height?: number; locale?: string } = {},
): string {
  const { width = 640, height = 240, locale } = options;
  const pad = { left: 40, right: 16, top: 12, bottom: 28 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const grid = [0, 25, 50, 75, 100]
    .map((p) => {
      const y = pad.top + h - (p / 100) * h;
      return `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y}" y2="${y}" class="grid"/><text x="${pad.left - 6}" y="${y + 4}" text-anchor="end" class="axis">${p}%</text>`;
    })
    .join('');
  if (points.length === 0) {
    return `${svgOpen(width, height)}${grid}<text x="${pad.left + w / 2}" y="${pad.top + h / 2}" text-anchor="middle" class="axis">no rollout changes yet</text></svg>`;
  }
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number): number => pad.left + (t1 === t0 ? w / 2 : ((t - t0) / (t1 - t0)) * w);
  const y = (p: number): number => pad.top + h - (p / 100) * h;
  let d = '';
  points.forEach((p, i) => {
    const px = x(times[i] ?? t0);
    const py = y(p.percentage);
    d += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
  });
  d += `H${pad.left + w}`;
  const dots = points
    .map((p, i) => {
      const title = escapeXml(`${p.at}: ${p.percentage}% (${p.label})`);
      return `<circle cx="${x(times[i] ?? t0)}" cy="${y(p.percentage)}" r="4" class="${p.label === 'kill switch' ? 'kill' : 'dot'}"><title>${title}</title></circle>`;
    })
    .join('');
  // One change (or all at one instant) has one time: label it once, under its dot, not at both ends.
  const label = (t: number): string =>
    escapeXml(new Date(t).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }));
  const axis =
    t1 === t0
      ? `<text x="${x(t0)}" y="${height - 8}" text-anchor="middle" class="axis">${label(t0)}</text>`
      : `<text x="${pad.left}" y="${height - 8}" class="axis">${label(t0)}</text><text x="${pad.left + w}" y="${height - 8}" text-anchor="end" class="axis">${label(t1)}</text>`;
  return `${svgOpen(width, height)}${grid}<path d="${d}" class="line" fill="none"/>${dots}${axis}</svg>`;
}

/** Scales to the page width (no horizontal scrolling) while keeping its proportions. */
function svgOpen(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" role="img" aria-label="rollout chart">`;
}
