import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKeySchema } from '@rollgate/shared/flags';
import { SnippetLanguage, defaultFlagdFilePath, generateSnippet } from '@rollgate/shared/snippets';
import { requireEnvironment, requireFlag } from '../lookup.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

const languages = Object.values(SnippetLanguage) as [SnippetLanguage, ...SnippetLanguage[]];

/** Registers `generate-snippet`: OpenFeature + flagd code that evaluates a flag, per language. */
export function registerGenerateSnippetTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'generate-snippet',
    {
      title: 'Generate code snippet',
      description:
        'Code that evaluates a flag with OpenFeature and the flagd provider reading ' +
        '.rollgate/flagd/<env>.flagd.json: provider setup, the call with a safe default, the install command.',
      input: {
        key: flagKeySchema,
        language: z.enum(languages),
        environment: environmentKeySchema.default('production').describe('Whose compiled flag file the app reads.'),
        flagdFilePath: z
          .string()
          .min(1)
          .optional()
          .describe('Path of the flag file as the app sees it; default .rollgate/flagd/<environment>.flagd.json.'),
      },
      output: {
        language: z.enum(languages),
        code: z.string(),
        install: z.string().describe('Shell command(s) installing the SDK and provider.'),
        notes: z.array(z.string()),
        flagdFilePath: z.string(),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ key, language, environment, flagdFilePath }) => {
      const { document } = await deps.store.read();
      const flag = requireFlag(document, key);
      requireEnvironment(document, environment);
      const path = flagdFilePath ?? defaultFlagdFilePath(environment);
      const snippet = generateSnippet({ flag, language, environment, flagdFilePath: path });
      return {
        summary: `${language} snippet for "${key}" reading ${path}. Install: ${snippet.install}`,
        data: { ...snippet, notes: [...snippet.notes], flagdFilePath: path },
      };
    },
  );
}
