/**
 * Output of a command. Human mode prints readable text; `--json` prints exactly one JSON document on stdout per
 * command (progress lines are dropped), so scripts can pipe it into `jq`.
 */

/** Where text goes; main.ts passes process.stdout/stderr, tests may pass collectors. */
export interface Writer {
  write(text: string): void;
}

export interface Output {
  /** True with `--json`. */
  readonly json: boolean;
  /** The command's result: `data` as one JSON document with --json, otherwise `text`. */
  result(data: unknown, text: string): void;
  /** A line of human progress text; silent with --json. */
  line(text: string): void;
}

/** An {@link Output} over `stdout`. */
export function createOutput(stdout: Writer, json: boolean): Output {
  return {
    json,
    result(data, text) {
      stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
    },
    line(text) {
      if (!json) stdout.write(`${text}\n`);
    },
  };
}

/** Lays `rows` out in left-aligned columns under `header`, two spaces apart; trailing spaces trimmed. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)].join('\n');
}
