import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Project } from 'ts-morph';
import {
  createComponentPatterns,
  createFlagObjectPatterns,
  createPatterns,
  findReferencesInSourceFile,
  loadTsMorph,
  type FlagReference,
  type ScanOptions,
} from '../../src/scanner/index.ts';

let createProject: () => Project;
before(async () => {
  const { Project } = await loadTsMorph();
  createProject = () => new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true, jsx: 4 } });
});

const options: ScanOptions = {
  patterns: createPatterns(['launchdarkly']),
  components: createComponentPatterns(
    ['growthbook'],
    [{ sdk: 'custom', component: 'FeatureFlag', keyAttribute: 'name' }],
  ),
  flagObjects: createFlagObjectPatterns(['launchdarkly']),
};

/** `kind key` (or `kind ?`) of the references of the first of `files`, in order, with their file when not the first. */
function scan(files: Record<string, string>): string[] {
  const project = createProject();
  for (const [path, text] of Object.entries(files)) project.createSourceFile(path, text);
  const [first] = Object.keys(files);
  return findReferencesInSourceFile(project.getSourceFileOrThrow(first!), options).map(
    (r: FlagReference) => `${r.kind} ${r.key ?? '?'}${r.file === first ? '' : ` @${r.file}`}`,
  );
}

describe('reference forms beyond calls', () => {
  it('property reads on flag maps, not method calls, writes or dynamic indexes', () => {
    const code = `
      export function Banner({ uiConfig, key }: { uiConfig: { flags: Record<string, boolean> }; key: string }) {
        uiConfig.flags.writeOnly = true;
        const names = uiConfig.flags.map((f) => f);
        const dynamic = uiConfig.flags[key];
        return uiConfig.flags.messageBanner && uiConfig.flags['automated-actions'] && props.featureFlags.newNav;
      }`;
    assert.deepEqual(scan({ '/a.tsx': code }), [
      'property messageBanner',
      'property automated-actions',
      'property newNav',
    ]);
  });

  it('destructuring of a flags hook and of a flag map; rest elements are no key', () => {
    const code = `
      import { useFlags } from 'launchdarkly-react-client-sdk';
      export function C(config: { flags: { darkMode: boolean } }) {
        const { myFlag, 'kebab-key': kebab, ...rest } = useFlags();
        const { darkMode } = config.flags;
        return [myFlag, kebab, darkMode, rest];
      }`;
    assert.deepEqual(scan({ '/a.tsx': code }), ['destructure myFlag', 'destructure kebab-key', 'destructure darkMode']);
  });

  it('JSX flag components of a preset and configured ones, with literal and constant keys', () => {
    const code = `
      import { IfFeatureEnabled } from '@growthbook/growthbook-react';
      const KEYS = { beta: 'beta-page' } as const;
      export const A = () => (
        <>
          <IfFeatureEnabled feature="gb-flag"><p /></IfFeatureEnabled>
          <FeatureFlag name={KEYS.beta} />
          <FeatureFlag label="no key attribute" />
          <OtherComponent feature="not-a-flag" />
        </>
      );`;
    assert.deepEqual(scan({ '/a.tsx': code }), ['jsx gb-flag', 'jsx beta-page']);
  });

  it('members of the repo interface a wrapper key parameter is keyof', () => {
    const files = {
      '/use-ui-flag.ts': `
        import type { UiFlags } from './ui-flags';
        export const useUiFlag = (flag: keyof UiFlags) => client.getBooleanValue(flag, false);
        export const banner = useUiFlag('messageBanner');`,
      '/ui-flags.ts': `export interface UiFlags { messageBanner: boolean; 'automated-actions'?: boolean }`,
    };
    assert.deepEqual(scan(files), [
      'keyof-type messageBanner @/ui-flags.ts',
      'keyof-type automated-actions @/ui-flags.ts',
      'call messageBanner',
    ]);
  });

  it('config objects whose property flows into an evaluator, through the type checker', () => {
    const code = `
      interface Route { path: string; flag?: string }
      const routes: Route[] = [{ path: '/license', flag: 'enableLicense' }, { path: '/home' }];
      const unrelated = { flag: 'not-a-route' };
      export const visible = routes.filter((route) => client.getBooleanValue(route.flag!, false));`;
    assert.deepEqual(scan({ '/a.ts': code }), ['config-object enableLicense', 'call ?']);
  });

  it('a wrapper passed as a value is an unresolved reference; its calls are references', () => {
    const code = `
      function isOn(key: string) { return client.getBooleanValue(key, false); }
      export const all = ['a', 'b'].map(isOn);
      export const c = isOn('c');
      export { isOn };`;
    assert.deepEqual(scan({ '/a.ts': code }), ['call ?', 'call c']);
    const project = createProject();
    const refs = findReferencesInSourceFile(project.createSourceFile('/b.ts', code), options);
    assert.match(refs[0]!.unresolvedReason!, /the flag wrapper isOn is passed as a value/);
  });
});
