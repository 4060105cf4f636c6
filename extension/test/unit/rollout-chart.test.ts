import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderRolloutChartSvg } from '../../src/logic/rollout-chart.ts';

const axisLabels = (svg: string): string[] =>
  [...svg.matchAll(/<text [^>]*class="axis">([^<]*)<\/text>/g)].map((m) => m[1] ?? '').filter((t) => !t.endsWith('%'));

describe('renderRolloutChartSvg', () => {
  it('labels a single change once, in local time', () => {
    const svg = renderRolloutChartSvg([{ at: '2026-11-20T10:00:00Z', percentage: 5, label: 'flag.set-rollout' }], {
      locale: 'en-GB',
    });
    const labels = axisLabels(svg);
    assert.equal(labels.length, 1);
    assert.equal(
      labels[0],
      new Date('2026-11-20T10:00:00Z').toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }),
    );
  });

  it('labels the first and last change of a series', () => {
    const svg = renderRolloutChartSvg([
      { at: '2026-11-20T10:00:00Z', percentage: 5, label: 'a' },
      { at: '2026-11-21T10:00:00Z', percentage: 25, label: 'b' },
    ]);
    assert.equal(new Set(axisLabels(svg)).size, 2);
  });

  it('scales to the page instead of scrolling sideways', () => {
    assert.match(renderRolloutChartSvg([]), /viewBox="0 0 640 240" width="100%"/);
  });
});
