/**
 * Where usage counts live: per environment and UTC day, flag → variant counts, providers/SDKs and first/last seen.
 * {@link FileUsageStore} keeps one JSON file per environment and day under `.rollgate/usage/` (git-ignored), written
 * to a temp file and renamed. Each file remembers the batch ids it holds, so a retried batch is added exactly once.
 * Node only (`@rollgate/shared/telemetry/usage-store`).
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { FlagError, errorMessage } from '../errors.ts';
import type { UsageBatch } from './usage.ts';

const flagDaySchema = z.object({
  variants: z.record(z.string(), z.number().int().nonnegative()),
  providers: z.array(z.string()),
  sdks: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
});
const dayFileSchema = z.object({ batches: z.array(z.string()), flags: z.record(z.string(), flagDaySchema) });
type DayFile = z.infer<typeof dayFileSchema>;

/** One flag's usage in one environment on one UTC day, as {@link UsageReader.flagUsage} returns it (and the wire). */
export const flagUsageDaySchema = flagDaySchema.extend({
  environment: z.string(),
  /** `YYYY-MM-DD` (UTC). */
  date: z.iso.date(),
});
export type FlagUsageDay = z.infer<typeof flagUsageDaySchema>;

/**
 * The read side of the usage counts: what the CLI, the MCP server and the extension need. Remote mode reads them
 * from the server (RemoteStore.usage), which alone adds counts.
 */
export interface UsageReader {
  /**
   * Every day recorded for `flagKey`, oldest first (ties by environment). Errors: STORE_IO, PARSE_ERROR; remotely
   * also UNAUTHENTICATED, and only the environments the token may read are returned.
   */
  flagUsage(flagKey: string): Promise<FlagUsageDay[]>;
  /**
   * {@link flagUsage} of each of `flagKeys` at once (every key is in the map; no days: an empty list), reading the
   * counts once rather than once per flag. Errors: those of {@link flagUsage}.
   */
  usageOf(flagKeys: readonly string[]): Promise<Map<string, FlagUsageDay[]>>;
}

/** The days of `flagKey` in the answer of {@link UsageReader.usageOf}. */
export async function oneFlagUsage(reader: UsageReader, flagKey: string): Promise<FlagUsageDay[]> {
  return (await reader.usageOf([flagKey])).get(flagKey) ?? [];
}

/** Sorts each flag's days as {@link UsageReader.flagUsage} returns them: oldest first, ties by environment. */
export function byFlagKey(
  flagKeys: readonly string[],
  days: Iterable<FlagUsageDay & { readonly flagKey: string }>,
): Map<string, FlagUsageDay[]> {
  const result = new Map(flagKeys.map((k): [string, FlagUsageDay[]] => [k, []]));
  for (const { flagKey, ...day } of days) result.get(flagKey)?.push(day);
  for (const list of result.values()) {
    list.sort((a, b) => a.date.localeCompare(b.date) || a.environment.localeCompare(b.environment));
  }
  return result;
}

/** Per-day usage aggregates: the server's store, which adds apps' counts. */
export interface UsageStore extends UsageReader {
  /** Adds a batch's counts; a batch id already added is skipped (returns false). Errors: STORE_IO. */
  add(batch: UsageBatch): Promise<boolean>;
}

/** One flag's counts of one environment and day, as stored. */
export type FlagDay = z.infer<typeof flagDaySchema>;

/**
 * `day` (undefined: nothing counted yet) with the counts of `entry` added: variant counts summed, providers and
 * SDKs collected, first/last seen widened. Mutates and returns `day`; every {@link UsageStore} adds counts here.
 */
export function addUsageEntry(day: FlagDay | undefined, entry: UsageBatch['entries'][number]): FlagDay {
  const flag = day ?? { variants: {}, providers: [], sdks: [], firstSeen: entry.firstSeen, lastSeen: entry.lastSeen };
  flag.variants[entry.variant] = (flag.variants[entry.variant] ?? 0) + entry.count;
  if (!flag.providers.includes(entry.provider)) flag.providers.push(entry.provider);
  if (!flag.sdks.includes(entry.sdk)) flag.sdks.push(entry.sdk);
  if (entry.firstSeen < flag.firstSeen) flag.firstSeen = entry.firstSeen;
  if (entry.lastSeen > flag.lastSeen) flag.lastSeen = entry.lastSeen;
  return flag;
}

/** `YYYY-MM-DD` (UTC) of an entry: the day its counts are filed under. */
export function usageDayOf(entry: UsageBatch['entries'][number]): string {
  return entry.lastSeen.slice(0, 10);
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** {@link UsageStore} over `<root>/<environment>/<YYYY-MM-DD>.json`; `root` is usually `.rollgate/usage`. */
export class FileUsageStore implements UsageStore {
  private readonly root: string;
  /** Serializes writers in this process (one server process owns the folder). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(root: string) {
    this.root = root;
  }

  add(batch: UsageBatch): Promise<boolean> {
    const run = this.queue.then(() => this.apply(batch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  flagUsage(flagKey: string): Promise<FlagUsageDay[]> {
    return oneFlagUsage(this, flagKey);
  }

  async usageOf(flagKeys: readonly string[]): Promise<Map<string, FlagUsageDay[]>> {
    const days: (FlagUsageDay & { flagKey: string })[] = [];
    for (const environment of await this.list(this.root)) {
      for (const file of await this.list(join(this.root, environment))) {
        if (!file.endsWith('.json')) continue;
        const { flags } = await this.readDay(join(this.root, environment, file));
        for (const flagKey of flagKeys) {
          const day = Object.hasOwn(flags, flagKey) ? flags[flagKey] : undefined;
          if (day) days.push({ flagKey, environment, date: file.slice(0, -5), ...day });
        }
      }
    }
    return byFlagKey(flagKeys, days);
  }

  private async apply(batch: UsageBatch): Promise<boolean> {
    const byFile = new Map<string, UsageBatch['entries']>();
    for (const e of batch.entries) {
      // Security: environment names become folder names.
      if (!SAFE_SEGMENT.test(e.environment)) {
        throw new FlagError('INVALID_INPUT', `Invalid environment name "${e.environment}" in usage batch.`);
      }
      const file = join(this.root, e.environment, `${usageDayOf(e)}.json`);
      byFile.set(file, [...(byFile.get(file) ?? []), e]);
    }
    let added = false;
    for (const [file, entries] of byFile) {
      const day = await this.readDay(file);
      // Per file: a batch that failed half-way is completed on retry, never added twice.
      if (day.batches.includes(batch.batchId)) continue;
      day.batches.push(batch.batchId);
      for (const e of entries) day.flags[e.flagKey] = addUsageEntry(day.flags[e.flagKey], e);
      await this.writeDay(file, day);
      added = true;
    }
    return added;
  }

  private async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new FlagError('STORE_IO', `Cannot read ${dir}: ${errorMessage(e)}`);
    }
  }

  private async readDay(file: string): Promise<DayFile> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { batches: [], flags: {} };
      throw new FlagError('STORE_IO', `Cannot read ${file}: ${errorMessage(e)}`);
    }
    const parsed = dayFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new FlagError('PARSE_ERROR', `${file} is not a usage file: ${parsed.error.message}`, {
        hint: 'Delete the file to drop that day’s counts.',
      });
    }
    return parsed.data;
  }

  private async writeDay(file: string, day: DayFile): Promise<void> {
    try {
      await mkdir(join(file, '..'), { recursive: true });
      const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, JSON.stringify(day));
      await rename(temp, file);
    } catch (e) {
      throw new FlagError('STORE_IO', `Cannot write ${file}: ${errorMessage(e)}`);
    }
  }
}

/** Usage of one flag in one environment over a period, for humans and stale detection. */
export interface UsageSummary {
  readonly environment: string;
  readonly total: number;
  readonly variants: Record<string, number>;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly providers: string[];
  readonly sdks: string[];
}

/** Sums days per environment, keeping days on or after `since` (`YYYY-MM-DD`, default all). */
export function summarizeUsage(days: readonly FlagUsageDay[], since?: string): UsageSummary[] {
  const byEnvironment = new Map<string, FlagUsageDay[]>();
  for (const d of days) {
    if (since !== undefined && d.date < since) continue;
    byEnvironment.set(d.environment, [...(byEnvironment.get(d.environment) ?? []), d]);
  }
  return [...byEnvironment].map(([environment, own]) => {
    const variants: Record<string, number> = {};
    for (const d of own) for (const [v, n] of Object.entries(d.variants)) variants[v] = (variants[v] ?? 0) + n;
    return {
      environment,
      total: Object.values(variants).reduce((a, b) => a + b, 0),
      variants,
      firstSeen: own.map((d) => d.firstSeen).sort()[0]!,
      lastSeen: own
        .map((d) => d.lastSeen)
        .sort()
        .at(-1)!,
      providers: [...new Set(own.flatMap((d) => d.providers))],
      sdks: [...new Set(own.flatMap((d) => d.sdks))],
    };
  });
}

/** A usage-based stale signal, beside the code signals of `rollgate stale`. */
export interface UsageSignal {
  readonly code: 'NOT_EVALUATED' | 'ALWAYS_SAME_VARIANT';
  readonly message: string;
  readonly days: number;
  readonly variant?: string;
}

/**
 * Usage signals for one flag in `environment` (default production): not evaluated for ≥ `days` (default 30),
 * or evaluated but always the same variant over the last `days`. None when no usage was ever recorded there
 * (no telemetry is not evidence).
 */
export function usageSignals(
  days: readonly FlagUsageDay[],
  now: Date,
  options: { environment?: string; days?: number } = {},
): UsageSignal[] {
  const environment = options.environment ?? 'production';
  const window = options.days ?? 30;
  const [all] = summarizeUsage(days.filter((d) => d.environment === environment));
  if (!all) return [];
  const idle = Math.floor((now.getTime() - Date.parse(all.lastSeen)) / 86_400_000);
  if (idle >= window) {
    return [{ code: 'NOT_EVALUATED', days: idle, message: `not evaluated in ${environment} for ${idle} days` }];
  }
  const since = new Date(now.getTime() - window * 86_400_000).toISOString().slice(0, 10);
  const observedDays = Math.floor((now.getTime() - Date.parse(all.firstSeen)) / 86_400_000);
  const [recent] = summarizeUsage(
    days.filter((d) => d.environment === environment),
    since,
  );
  const served = Object.keys(recent?.variants ?? {});
  if (served.length === 1 && observedDays >= window) {
    return [
      {
        code: 'ALWAYS_SAME_VARIANT',
        days: window,
        variant: served[0]!,
        message: `evaluated but always \`${served[0]!}\` in ${environment} for ${window} days`,
      },
    ];
  }
  return [];
}
