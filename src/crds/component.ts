/**
 * One component of a MaglevDistro (spec.components[]): where its chart comes from, its values, its place in
 * the dependency graph, and HelmRelease options for the child HelmRelease it becomes.
 */
import { chartSource, DNS_LABEL_PATTERN, namespaceName, valuesFrom } from './common.js';
import { helmReleaseSpec } from './helmrelease.js';
import { bool, freeForm, list, map, obj, oneOf, pick, str, withoutDefaults } from './schema.js';

/** A component name: a DNS label, as it becomes part of the child HelmRelease name. */
export const componentName = (description: string) => str(description, { minLength: 1, maxLength: 63, pattern: DNS_LABEL_PATTERN });

/** HelmRelease.spec fields a component may set for its child HelmRelease (no defaults: unset means HelmRelease's). */
const releaseOptions = pick(
  withoutDefaults(helmReleaseSpec),
  [
    'releaseName',
    'interval',
    'timeout',
    'suspend',
    'serviceAccountName',
    'maxHistory',
    'install',
    'upgrade',
    'rollback',
    'uninstall',
    'test',
    'driftDetection',
  ],
  'ComponentReleaseOptions',
  'HelmRelease.spec fields for the child HelmRelease of the component; unset fields take the HelmRelease defaults.',
);

const componentPath = 'spec.components[].chart';

/** A distro component; its name is the list-map key of spec.components. */
export const distroComponent = obj(
  'DistroComponent',
  'One component: an inline component, or an override of the bundle component with the same name ' +
    '(values deep-merge, other fields replace).',
  {
    name: componentName('Component name, unique in the distro. The child HelmRelease is named <distro>-<name>.'),
    chart: chartSource(componentPath),
    namespace: namespaceName('Namespace of the component resources. Default: the namespace of the distro.'),
    values: freeForm('Inline Helm values of the component.'),
    valuesFrom,
    dependsOn: list(
      'Components (by name) that must be Ready at their target of the plan before this one changes.',
      componentName('Name of another enabled component.'),
      { maxItems: 64, 'x-kubernetes-list-type': 'set' },
    ),
    class: oneOf('Kind of component; free-form labels go in labels.', ['core', 'stateful', 'stateless'], {
      typeName: 'ComponentClass',
    }),
    labels: map('Labels of the component, matched by spec.selector.', str('Label value.', { maxLength: 63 }), {
      maxProperties: 64,
    }),
    upgradePolicy: oneOf(
      'Automatic, or Manual: a plan that changes this component waits until spec.approvedPlan equals status.plan.id. ' +
        'Default: the bundle value, else Automatic.',
      ['Automatic', 'Manual'],
      { typeName: 'UpgradePolicy' },
    ),
    enabled: bool('When false, the component is not installed (and is uninstalled if present). Default true.'),
    release: releaseOptions,
  },
  {
    required: ['name'],
    'x-kubernetes-validations': [
      {
        rule: '!has(self.dependsOn) || !self.dependsOn.exists(d, d == self.name)',
        message: 'spec.components[].dependsOn: a component cannot depend on itself',
      },
    ],
  },
);
