/**
 * The workflow bundle ships its inline source map without the sources' text (issue #18: every
 * worker holds the map): stack traces must still name our TypeScript files and lines. Checked on
 * the tests' bundle, built by global-setup the way `npm run build` builds dist/workflow-code.js.
 */
import { readFileSync } from 'node:fs';
// The library the SDK maps workflow stack traces with (a dependency of @temporalio/worker).
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import { withoutSourcesContent } from '../../src/workflow-bundle';

function inlineSourceMap(code: string): RawSourceMap & { sourcesContent?: unknown } {
  const at = code.lastIndexOf('//# sourceMappingURL=data:');
  return JSON.parse(Buffer.from(code.slice(code.indexOf('base64,', at) + 'base64,'.length).trimEnd(), 'base64').toString('utf8')) as RawSourceMap;
}

describe('workflow bundle source map', () => {
  const code = readFileSync(process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!, 'utf8');

  it('has no sources text, and still maps bundle lines to our .ts files', async () => {
    const map = inlineSourceMap(code);
    expect(map.sourcesContent).toBeUndefined();
    const line = code.split('\n').findIndex((text) => text.includes('async function runNext(')) + 1;
    expect(line).toBeGreaterThan(0);
    const column = code.split('\n')[line - 1]!.indexOf('async function runNext(');
    const original = await SourceMapConsumer.with(map, null, (consumer) => consumer.originalPositionFor({ line, column }));
    expect(original.source).toMatch(/src\/workflows\/item\/run\.ts$/);
    expect(original.line).toBe(
      readFileSync('src/workflows/item/run.ts', 'utf8')
        .split('\n')
        .findIndex((text) => text.includes('async function runNext(')) + 1,
    );
  });

  it('drops only the sources text: code, positions and file list stay', () => {
    const map = { version: 3, file: 'b.js', sources: ['a.ts'], sourcesContent: ['const a = 1;'], names: [], mappings: 'AAAA' };
    const bundle = `const a = 1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
    const stripped = withoutSourcesContent(bundle);
    expect(stripped.startsWith('const a = 1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,')).toBe(true);
    const { sourcesContent, ...rest } = map;
    expect(sourcesContent).toHaveLength(1);
    expect(inlineSourceMap(stripped)).toEqual(rest);
    expect(withoutSourcesContent('const b = 2;\n')).toBe('const b = 2;\n');
  });
});
