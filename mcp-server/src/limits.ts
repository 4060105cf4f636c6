/**
 * Limits on what a tool call may carry, stated in the schemas the model reads, so a runaway argument gets a clear
 * error instead of a multi-megabyte write, a reply the client cannot hold, or a stack overflow.
 */
import { z } from 'zod';
import type { JsonValue } from '@rollgate/shared/flags';

/** Evaluation contexts: attributes, nesting depth and total JSON size. */
export const CONTEXT_LIMITS = { attributes: 100, depth: 8, bytes: 32_768 } as const;

/**
 * An evaluation context: at most {@link CONTEXT_LIMITS}. Checked without recursion, so a context nested thousands of
 * levels deep is refused with a clear message instead of overflowing the stack.
 */
export const contextSchema = z
  .record(z.string().max(200), z.unknown())
  .superRefine((context, ctx) => {
    const problem = contextProblem(context);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((context) => context as Record<string, JsonValue>)
  .describe(
    `Attributes, e.g. {"plan":"pro","email":"a@acme.com"}; at most ${CONTEXT_LIMITS.attributes} attributes, ` +
      `${CONTEXT_LIMITS.depth} levels deep, ${CONTEXT_LIMITS.bytes / 1024} KB.`,
  );

function contextProblem(context: Record<string, unknown>): string | undefined {
  if (Object.keys(context).length > CONTEXT_LIMITS.attributes) {
    return `too many attributes (at most ${CONTEXT_LIMITS.attributes}); pass only those the flag's rules use`;
  }
  const stack: [unknown, number][] = [[context, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > CONTEXT_LIMITS.depth) {
      return `nested more than ${CONTEXT_LIMITS.depth} levels deep; flatten it (rules read attributes by dotted path)`;
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  if (JSON.stringify(context).length > CONTEXT_LIMITS.bytes) {
    return `larger than ${CONTEXT_LIMITS.bytes / 1024} KB; pass only the attributes the flag's rules use`;
  }
  return undefined;
}
