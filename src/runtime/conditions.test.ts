import { describe, expect, it } from 'vitest';
import { getCondition, isTrue, removeCondition, setCondition, summarize, type Condition, type ReconcileState } from './conditions.js';

const t0 = new Date('2025-01-01T00:00:00.000Z');
const t1 = new Date('2025-01-01T01:00:00.000Z');
const ready = (status: Condition['status'], reason = 'Done', time = '2025-01-01T00:00:00Z'): Condition => ({
  type: 'Ready',
  status,
  reason,
  message: '',
  observedGeneration: 1,
  lastTransitionTime: time,
});

describe('setCondition', () => {
  it.each([
    ['adds a new type with now', [], 'True', '2025-01-01T01:00:00Z'],
    ['keeps the time when only the reason changes', [ready('True')], 'True', '2025-01-01T00:00:00Z'],
    ['moves the time when the status changes', [ready('True')], 'False', '2025-01-01T01:00:00Z'],
    ['moves the time from Unknown to True', [ready('Unknown')], 'True', '2025-01-01T01:00:00Z'],
  ] as const)('%s', (_name, before, status, expectedTime) => {
    const out = setCondition(before, { type: 'Ready', status, reason: 'New', message: 'm', observedGeneration: 2 }, t1);
    expect(out).toEqual([{ type: 'Ready', status, reason: 'New', message: 'm', observedGeneration: 2, lastTransitionTime: expectedTime }]);
  });

  it('does not modify its input and keeps other conditions in place', () => {
    const other: Condition = { type: 'Released', status: 'True', reason: 'Installed', message: '', lastTransitionTime: 'x' };
    const before = [other, ready('True')];
    const out = setCondition(before, { type: 'Ready', status: 'False', reason: 'Failed', message: 'boom' }, t1);
    expect(before[1]?.status).toBe('True');
    expect(out[0]).toBe(other);
    expect(out[1]).not.toHaveProperty('observedGeneration');
  });

  it('truncates very long messages', () => {
    const out = setCondition([], { type: 'Ready', status: 'False', reason: 'R', message: 'x'.repeat(40_000) }, t0);
    expect(out[0]?.message).toHaveLength(32_768);
  });
});

describe('getCondition / isTrue / removeCondition', () => {
  it.each([
    [undefined, false],
    [[], false],
    [[ready('False')], false],
    [[ready('Unknown')], false],
    [[ready('True')], true],
  ])('isTrue(%j) = %s', (conditions, expected) => {
    expect(isTrue(conditions, 'Ready')).toBe(expected);
  });

  it('gets and removes by type', () => {
    expect(getCondition([ready('True')], 'Ready')?.status).toBe('True');
    expect(getCondition([ready('True')], 'Stalled')).toBeUndefined();
    expect(removeCondition([ready('True')], 'Ready')).toEqual([]);
  });
});

describe('summarize (kstatus)', () => {
  const statuses = (list: Condition[]): Record<string, string> => Object.fromEntries(list.map((c) => [c.type, c.status]));
  const stalledBefore: Condition[] = [
    { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: '', lastTransitionTime: 'x' },
    ready('False', 'InvalidSpec'),
  ];
  const reconcilingBefore: Condition[] = [
    { type: 'Reconciling', status: 'True', reason: 'Progressing', message: '', lastTransitionTime: 'x' },
    ready('Unknown', 'Progressing'),
  ];

  it.each<[string, Condition[], ReconcileState['phase'], Record<string, string>]>([
    ['progressing from nothing', [], 'progressing', { Reconciling: 'True', Ready: 'Unknown' }],
    ['progressing clears Stalled', stalledBefore, 'progressing', { Reconciling: 'True', Ready: 'Unknown' }],
    ['ready clears Reconciling', reconcilingBefore, 'ready', { Ready: 'True' }],
    ['ready clears Stalled', stalledBefore, 'ready', { Ready: 'True' }],
    ['retrying keeps Reconciling, Ready False', reconcilingBefore, 'retrying', { Reconciling: 'True', Ready: 'False' }],
    ['stalled drops Reconciling, Stalled True', reconcilingBefore, 'stalled', { Stalled: 'True', Ready: 'False' }],
    ['suspended keeps the Ready status, drops Stalled', stalledBefore, 'suspended', { Ready: 'False' }],
    ['suspended from nothing is Ready Unknown', [], 'suspended', { Ready: 'Unknown' }],
  ])('%s', (_name, before, phase, expected) => {
    const out = summarize(before, { phase, reason: 'Why', message: 'details' }, 7, t1);
    expect(statuses(out)).toEqual(expected);
    for (const c of out) expect(c).toMatchObject({ reason: 'Why', message: 'details', observedGeneration: 7 });
  });

  it('leaves conditions it does not own alone', () => {
    const other: Condition = { type: 'Released', status: 'True', reason: 'Installed', message: '', lastTransitionTime: 'x' };
    const out = summarize([other], { phase: 'ready', reason: 'Succeeded', message: '' }, 1, t0);
    expect(out[0]).toBe(other);
  });
});
