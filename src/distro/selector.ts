/**
 * Kubernetes label selector matching (matchLabels and matchExpressions, ANDed), for spec.selector over
 * component labels. A component's labels are its `labels` plus `maglev.io/class` (its class) and
 * `maglev.io/component` (its name), so a slice can name components directly.
 */
import type { DistroComponent, LabelSelector } from '../crds/index.js';

/** Label keys every component carries implicitly. */
export const ComponentLabel = { Class: 'maglev.io/class', Component: 'maglev.io/component', Distro: 'maglev.io/distro' } as const;

/** The labels spec.selector matches for `component`. */
export function componentLabels(component: Pick<DistroComponent, 'name' | 'class' | 'labels'>): Record<string, string> {
  const labels: Record<string, string> = { ...(component.labels ?? {}), [ComponentLabel.Component]: component.name };
  if (component.class !== undefined) labels[ComponentLabel.Class] = component.class;
  return labels;
}

/** True when `labels` match `selector`; an absent or empty selector matches everything. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expr.key);
    const value = labels[expr.key];
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
