/**
 * The MaglevDistro kind (maglev.io/v1alpha1): a versioned set of components, each one child HelmRelease,
 * applied in dependency order. Field names, defaults and enums follow shared/spec/api.md.
 */
import { conditions, configMapKeyRef, labelSelector, observedGeneration, secretRef, verify } from './common.js';
import { distroComponent } from './component.js';
import { ageColumn, readyColumns, type KindDefinition } from './crd.js';
import { bool, freeForm, int, list, obj, oneOf, str } from './schema.js';

/** The spec of a MaglevDistro. */
export const maglevDistroSpec = obj(
  'MaglevDistroSpec',
  'Desired state of the distro.',
  {
    version: str('The distro version wanted; must equal the bundle version when a bundle is used.', {
      minLength: 1,
      maxLength: 64,
    }),
    bundle: obj(
      'DistroBundle',
      'Where the components and their charts come from: exactly one of url or configMapRef.',
      {
        url: str('URL of the bundle archive: https://host/path.tgz or oci://host/path:tag.', {
          pattern: '^(oci|https?)://[^\\s]+$',
          maxLength: 2048,
        }),
        configMapRef: configMapKeyRef,
        secretRef,
        verify,
      },
      {
        'x-kubernetes-validations': [
          { rule: 'has(self.url) != has(self.configMapRef)', message: 'spec.bundle: exactly one of url or configMapRef must be set' },
        ],
      },
    ),
    values: freeForm(
      'Values shared by every component, given to each as .Values.global (merged under the component\'s own global).',
    ),
    components: list('Inline components, and overrides of bundle components by name.', distroComponent, {
      maxItems: 128,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    }),
    selector: labelSelector(
      'Reconcile only the components whose labels match (matchLabels and matchExpressions ANDed); others are left as they are.',
    ),
    upgrade: obj(
      'DistroUpgradeOptions',
      'How a change of the distro is rolled out.',
      {
        onFailure: oneOf(
          'rollback: restore every changed component to its previous distro revision, in reverse order; halt: stop. Default rollback.',
          ['rollback', 'halt'],
          { typeName: 'FailurePolicy', default: 'rollback' },
        ),
        maxParallel: int('Components changed at once within one level of the dependency graph. Default 4.', {
          minimum: 1,
          maximum: 64,
          default: 4,
        }),
      },
      { default: {} },
    ),
    approvedPlan: str('Set to status.plan.id to approve a plan that changes Manual components.', { maxLength: 128 }),
    paused: bool('When true, nothing is planned or applied.'),
  },
  {
    required: ['version'],
    'x-kubernetes-validations': [
      {
        rule: 'has(self.bundle) || (has(self.components) && self.components.size() > 0)',
        message: 'spec: set spec.bundle or list at least one component in spec.components',
      },
      {
        rule: 'has(self.bundle) || !has(self.components) || self.components.all(c, has(c.chart))',
        message: 'spec.components[].chart is required for every component when spec.bundle is not set',
      },
    ],
  },
);

const componentPhases = [
  'Pending',
  'Blocked',
  'Installing',
  'Upgrading',
  'RollingBack',
  'Ready',
  'Failed',
  'AwaitingApproval',
  'Disabled',
] as const;

/** The change under way, kept in status so that it continues (or rolls back) after a restart. */
const distroAttempt = obj('DistroAttempt', 'The change under way: the plan being carried out and whether it is rolling back.', {
  planId: str('The plan being carried out.'),
  phase: oneOf('Progressing: carrying out the plan; RollingBack: restoring the previous distro revision.', ['Progressing', 'RollingBack'], {
    typeName: 'AttemptPhase',
  }),
  startedAt: str('When the change started.', { format: 'date-time' }),
  failed: str('The component whose failure started the rollback.'),
  message: str('Why that component failed.'),
});

/** The status of a MaglevDistro. */
export const maglevDistroStatus = obj('MaglevDistroStatus', 'Observed state of the distro.', {
  observedGeneration,
  conditions: { ...conditions, description: 'Ready, Reconciling, Stalled, AwaitingApproval and RolledBack.' },
  version: str('The distro version fully deployed.'),
  revision: int('Distro revision counter; increments on every completed change.', { minimum: 0 }),
  plan: obj('DistroPlan', 'What the next change will do, in order; computed before acting.', {
    id: str('Stable hash of the plan; copy it to spec.approvedPlan to approve the plan.'),
    steps: list(
      'Steps in order.',
      obj(
        'PlanStep',
        'One component change.',
        {
          component: str('Component name.'),
          action: oneOf('What happens to the component.', ['install', 'upgrade', 'downgrade', 'uninstall', 'none'], {
            typeName: 'PlanAction',
          }),
          from: str('Chart version now deployed; empty for install.'),
          to: str('Chart version after the step; empty for uninstall.'),
          level: int('Level in the dependency graph (0: no dependencies); steps of one level may run in parallel.', {
            minimum: 0,
          }),
        },
        { required: ['component', 'action'] },
      ),
    ),
  }),
  components: list(
    'State of each component.',
    obj(
      'ComponentStatus',
      'State of one component.',
      {
        name: str('Component name.'),
        phase: oneOf('Where the component is in the plan.', componentPhases, { typeName: 'ComponentPhase' }),
        chartVersion: str('Chart version deployed.'),
        releaseRevision: int('Helm revision deployed.', { minimum: 0 }),
        message: str('Details of the phase, e.g. the error of a Failed component.'),
        blockedBy: list('Components this one waits for.', str('Component name.')),
      },
      { required: ['name'] },
    ),
    { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  ),
  attempt: distroAttempt,
  lastHandledReconcileAt: str('Last value of the maglev.io/reconcile-requested-at annotation that was handled.'),
  lastHandledForceAt: str('Last value of the maglev.io/force-at annotation that was acted on (one more try of a failed plan).'),
  history: list(
    'Distro revisions, newest first, at most 10; each is also kept in a Secret in the distro namespace.',
    obj(
      'DistroRevision',
      'One distro revision.',
      {
        revision: int('Distro revision number.', { minimum: 1 }),
        version: str('Distro version of the revision.'),
        status: oneOf('Outcome of the revision.', ['deployed', 'superseded', 'failed', 'rolled-back'], {
          typeName: 'DistroRevisionStatus',
        }),
        deployedAt: str('When the revision completed.', { format: 'date-time' }),
        planId: str('The plan the revision carried out (status.plan.id at the time); a rolled-back or failed plan is not tried again until the spec changes or maglev.io/force-at is set.'),
        message: str('Why the revision failed or was rolled back: the component and its error.'),
        components: list(
          'Component versions of the revision, used to roll back to it.',
          obj(
            'ComponentRevision',
            'One component in a distro revision.',
            {
              name: str('Component name.'),
              chartVersion: str('Chart version.'),
              releaseRevision: int('Helm revision of the child HelmRelease.', { minimum: 0 }),
              valuesDigest: str('Digest of the merged values of that Helm revision.'),
            },
            { required: ['name'] },
          ),
        ),
      },
      { required: ['revision'] },
    ),
  ),
});

/** The MaglevDistro kind, as the generator turns it into a CRD and TypeScript types. */
export const maglevDistro: KindDefinition = {
  kind: 'MaglevDistro',
  plural: 'maglevdistros',
  singular: 'maglevdistro',
  shortNames: ['distro'],
  categories: ['maglev'],
  description:
    'MaglevDistro installs and upgrades a versioned set of components (one child HelmRelease each) in dependency order.',
  spec: maglevDistroSpec,
  status: maglevDistroStatus,
  printerColumns: [
    ...readyColumns,
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'Distro version deployed.' },
    { name: 'Revision', type: 'integer', jsonPath: '.status.revision', description: 'Distro revision.' },
    ageColumn,
  ],
};
