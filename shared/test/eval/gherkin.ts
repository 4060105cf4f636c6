/**
 * A small parser for the Gherkin the flagd-testbed evaluator suite uses: Feature / Background / Scenario /
 * Scenario Outline with tagged Examples tables, steps with data tables, comments and tags.
 * Outlines are expanded into one runnable scenario per example row.
 */

export interface Step {
  readonly text: string;
  readonly table: string[][] | undefined;
}

/** A scenario ready to run: background steps first, outline placeholders substituted. */
export interface RunnableScenario {
  readonly feature: string;
  /** Scenario name plus, for outlines, the Examples name and the row's values. */
  readonly name: string;
  /** Feature, scenario and Examples tags, with their `@`. */
  readonly tags: readonly string[];
  readonly steps: readonly Step[];
}

interface Examples {
  readonly name: string;
  readonly tags: string[];
  header: string[] | undefined;
  readonly rows: string[][];
}

interface Scenario {
  readonly name: string;
  readonly tags: string[];
  readonly steps: { text: string; table: string[][] | undefined }[];
  readonly examples: Examples[];
}

const STEP = /^(Given|When|Then|And|But|\*)\s+(.*)$/;

function cells(line: string): string[] {
  const out: string[] = [];
  let current = '';
  const body = line.trim();
  for (let i = 1; i < body.length; i++) {
    const char = body[i];
    if (char === '\\' && i + 1 < body.length) {
      const next = body[i + 1];
      if (next === '|' || next === '\\') {
        current += next;
        i++;
        continue;
      }
      if (next === 'n') {
        current += '\n';
        i++;
        continue;
      }
    }
    if (char === '|') {
      out.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  return out;
}

/** Parses one .feature file into runnable scenarios; throws on lines it does not understand, with the line number. */
export function parseFeature(source: string, file: string): RunnableScenario[] {
  let feature = '';
  let featureTags: string[] = [];
  let pendingTags: string[] = [];
  const background: { text: string; table: string[][] | undefined }[] = [];
  const scenarios: Scenario[] = [];
  let section: 'none' | 'background' | 'scenario' | 'examples' = 'none';
  const lines = source.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const scenario = scenarios.at(-1);
    if (line.startsWith('@')) {
      pendingTags.push(...line.split(/\s+/).filter((tag) => tag.startsWith('@')));
      return;
    }
    const keyword =
      /^(Feature|Background|Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios):\s*(.*)$/.exec(
        line,
      );
    if (keyword) {
      const [, kind, name = ''] = keyword;
      if (kind === 'Feature') {
        feature = name;
        featureTags = pendingTags;
        section = 'none';
      } else if (kind === 'Background') {
        section = 'background';
      } else if (kind === 'Examples' || kind === 'Scenarios') {
        if (!scenario) throw new Error(`${file}:${index + 1}: Examples outside a scenario`);
        scenario.examples.push({ name, tags: pendingTags, header: undefined, rows: [] });
        section = 'examples';
      } else {
        scenarios.push({ name, tags: pendingTags, steps: [], examples: [] });
        section = 'scenario';
      }
      pendingTags = [];
      return;
    }
    if (line.startsWith('|')) {
      const row = cells(line);
      if (section === 'examples' && scenario) {
        const examples = scenario.examples.at(-1) as Examples;
        if (examples.header === undefined) examples.header = row;
        else examples.rows.push(row);
        return;
      }
      const steps = section === 'background' ? background : scenario?.steps;
      const step = steps?.at(-1);
      if (!step) throw new Error(`${file}:${index + 1}: table row without a step`);
      (step.table ??= []).push(row);
      return;
    }
    const step = STEP.exec(line);
    if (step) {
      const target = section === 'background' ? background : section === 'scenario' ? scenario?.steps : undefined;
      if (!target) throw new Error(`${file}:${index + 1}: step outside a scenario: ${line}`);
      target.push({ text: step[2] ?? '', table: undefined });
      return;
    }
    throw new Error(`${file}:${index + 1}: unrecognised line: ${line}`);
  });

  const out: RunnableScenario[] = [];
  for (const scenario of scenarios) {
    const tags = [...featureTags, ...scenario.tags];
    const steps = [...background, ...scenario.steps];
    if (scenario.examples.length === 0) {
      out.push({ feature, name: scenario.name, tags, steps });
      continue;
    }
    for (const examples of scenario.examples) {
      const header = examples.header ?? [];
      examples.rows.forEach((row, r) => {
        const fill = (text: string): string =>
          text.replace(/<([^<>]+)>/g, (whole, name: string) => {
            const column = header.indexOf(name);
            return column === -1 ? whole : (row[column] ?? '');
          });
        const values = header.map((name, c) => `${name}=${row[c] ?? ''}`).join(', ');
        out.push({
          feature,
          name: `${scenario.name} [${examples.name ? `${examples.name} ` : ''}#${r + 1}: ${values}]`,
          tags: [...tags, ...examples.tags],
          steps: steps.map((s) => ({ text: fill(s.text), table: s.table?.map((cellsOfRow) => cellsOfRow.map(fill)) })),
        });
      });
    }
  }
  return out;
}
