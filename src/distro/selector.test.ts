import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../crds/index.js';
import { componentLabels, matchesSelector } from './selector.js';

describe('matchesSelector', () => {
  const labels = componentLabels({ name: 'postgres', class: 'stateful', labels: { tier: 'data' } });
  it.each<{ name: string; selector: LabelSelector | undefined; want: boolean }>([
    { name: 'no selector', selector: undefined, want: true },
    { name: 'empty selector', selector: {}, want: true },
    { name: 'by class', selector: { matchLabels: { 'maglev.io/class': 'stateful' } }, want: true },
    { name: 'by another class', selector: { matchLabels: { 'maglev.io/class': 'core' } }, want: false },
    { name: 'by component name', selector: { matchLabels: { 'maglev.io/component': 'postgres' } }, want: true },
    { name: 'In', selector: { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['data', 'web'] }] }, want: true },
    { name: 'NotIn', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['data'] }] }, want: false },
    { name: 'Exists', selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' as const }] }, want: true },
    { name: 'DoesNotExist', selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' as const }] }, want: false },
    { name: 'labels and expressions ANDed', selector: { matchLabels: { tier: 'data' }, matchExpressions: [{ key: 'maglev.io/class', operator: 'In' as const, values: ['core'] }] }, want: false },
  ])('$name', ({ selector, want }) => {
    expect(matchesSelector(selector, labels)).toBe(want);
  });
});
