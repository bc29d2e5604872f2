/**
 * The HelmRelease kind (maglev.io/v1alpha1): one Helm release kept in the state its spec describes.
 * Field names, defaults and enums follow shared/spec/api.md.
 */
import {
  chartSource,
  conditions,
  duration,
  namespaceName,
  objectName,
  observedGeneration,
  DNS_SUBDOMAIN_PATTERN,
  valuesFrom,
} from './common.js';
import { ageColumn, readyColumns, type KindDefinition } from './crd.js';
import { bool, freeForm, int, list, obj, oneOf, str } from './schema.js';

const retries = int('Retries after a failed action before giving up (0: no retry).', { minimum: 0, default: 0 });

const installOptions = obj(
  'InstallOptions',
  'How the release is installed.',
  {
    createNamespace: bool('Create the target namespace when it does not exist.'),
    disableHooks: bool('Skip chart hooks during install.'),
    disableWait: bool('Do not wait for the installed resources to become ready.'),
    crds: oneOf('What to do with the chart crds/ directory on install. Default Create.', ['Create', 'Skip'], {
      typeName: 'InstallCrdsPolicy',
      default: 'Create',
    }),
    remediation: obj('InstallRemediation', 'What happens when an install fails: uninstall, then retry up to retries times.', {
      retries,
    }),
  },
  { default: {} },
);

const upgradeOptions = obj(
  'UpgradeOptions',
  'How the release is upgraded.',
  {
    disableHooks: bool('Skip chart hooks during upgrade.'),
    disableWait: bool('Do not wait for the upgraded resources to become ready.'),
    crds: oneOf(
      'What to do with the chart crds/ directory on upgrade. Default Skip; CreateReplace also replaces existing CRDs.',
      ['Skip', 'Create', 'CreateReplace'],
      { typeName: 'UpgradeCrdsPolicy', default: 'Skip' },
    ),
    cleanupOnFail: bool('Delete resources created by a failed upgrade.'),
    force: bool('Take ownership of fields owned by other field managers.'),
    remediation: obj(
      'UpgradeRemediation',
      'What happens when an upgrade fails: remediate with strategy, then retry up to retries times.',
      {
        retries,
        strategy: oneOf('Remediation of a failed upgrade. Default rollback.', ['rollback', 'uninstall'], {
          typeName: 'RemediationStrategy',
          default: 'rollback',
        }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

/** The spec of a HelmRelease. */
export const helmReleaseSpec = obj('HelmReleaseSpec', 'Desired state of the Helm release.', {
  chart: chartSource('spec.chart'),
  releaseName: str('Helm release name. Default metadata.name.', {
    minLength: 1,
    maxLength: 53,
    pattern: DNS_SUBDOMAIN_PATTERN,
  }),
  targetNamespace: namespaceName('Namespace the resources go to and the release records live in. Default metadata.namespace.'),
  values: freeForm('Inline Helm values; highest precedence, above valuesFrom.'),
  valuesFrom,
  dependsOn: list(
    'Other HelmReleases that must be Ready before this one is installed or upgraded. With a service account ' +
      '(serviceAccountName or the operator default), one in another namespace is read as that account, which needs get on ' +
      'helmreleases there; otherwise this one waits (DependencyNotReady, access denied).',
    obj(
      'DependencyReference',
      'A HelmRelease this one depends on.',
      {
        name: objectName('Name of the HelmRelease.'),
        namespace: namespaceName('Namespace of the HelmRelease. Default: the namespace of this HelmRelease.'),
      },
      { required: ['name'] },
    ),
    { maxItems: 64 },
  ),
  interval: duration('How often the release is checked again (drift, chart range), with jitter. Default 10m.', '10m'),
  timeout: duration('Time allowed for each Helm action, hooks and readiness wait included. Default 5m.', '5m'),
  suspend: bool('When true, the release is not reconciled; existing resources stay as they are.'),
  serviceAccountName: str(
    'ServiceAccount (in the namespace of this HelmRelease) impersonated for every write of the release, and for its reads of ' +
      'other namespaces (dependsOn, the HelmRelease owning its Helm release). ' +
      'Empty: the operator identity, or the operator default service account when impersonation is mandatory.',
    { maxLength: 253, pattern: `^$|${DNS_SUBDOMAIN_PATTERN}` },
  ),
  maxHistory: int('Number of Helm release records kept (0: unlimited). Default 10.', { minimum: 0, default: 10 }),
  install: installOptions,
  upgrade: upgradeOptions,
  rollback: obj('RollbackOptions', 'How a rollback (upgrade remediation) runs.', {
    disableHooks: bool('Skip chart hooks during rollback.'),
    disableWait: bool('Do not wait for the rolled back resources to become ready.'),
  }),
  uninstall: obj('UninstallOptions', 'How the release is uninstalled (deletion or remediation).', {
    disableHooks: bool('Skip chart hooks during uninstall.'),
    keepHistory: bool('Keep the release records after uninstall.'),
  }),
  test: obj('TestOptions', 'Helm tests (helm.sh/hook: test) run after each install or upgrade.', {
    enable: bool('Run the chart tests after each successful install and upgrade, as helm test does; results are stored in the release record and shown by TestSuccess. A failed test counts as a failed install or upgrade and is remediated by its remediation settings.'),
    timeout: duration('Time allowed for the tests. Default: spec.timeout.'),
  }),
  driftDetection: obj(
    'DriftDetection',
    'Detection of changes made to the released resources outside Helm.',
    {
      mode: oneOf(
        'enabled: drift is corrected; warn: drift is only reported (Drifted condition); disabled: not checked. Default enabled. Each in-sync reconcile compares every object of the deployed revision with a server-side apply dry run; correcting re-applies the drifted objects without a new revision, taking back fields others changed by update; fields another manager server-side applied are a conflict unless upgrade.force. An object opts out with the label or annotation maglev.io/drift-detection: disabled.',
        ['enabled', 'warn', 'disabled'],
        { typeName: 'DriftDetectionMode', default: 'enabled' },
      ),
    },
    { default: {} },
  ),
}, { required: ['chart'] });

const time = (description: string) => str(description, { format: 'date-time' });

/** The status of a HelmRelease. */
export const helmReleaseStatus = obj('HelmReleaseStatus', 'Observed state of the Helm release.', {
  observedGeneration,
  conditions: {
    ...conditions,
    description:
      'Ready, Reconciling, Stalled, Released, Remediated, TestSuccess and Drifted. Ready summarises the others.',
  },
  releaseName: str('Helm release name in use.'),
  releaseNamespace: str('Namespace of the Helm release in use (its records and objects).'),
  releaseRevision: int('Helm revision now deployed.', { minimum: 0 }),
  chartName: str('Name of the deployed chart.'),
  chartVersion: str('Version of the deployed chart, resolved from spec.chart.version.'),
  appVersion: str('appVersion of the deployed chart.'),
  valuesDigest: str('Digest of the merged values of the deployed revision.'),
  lastAttempted: obj('LastAttempted', 'What the last action tried to deploy.', {
    chartVersion: str('Chart version of the attempt.'),
    valuesDigest: str('Digest of the merged values of the attempt.'),
    generation: int('metadata.generation of the attempt.', { minimum: 0 }),
    action: str('The Helm action attempted: install, upgrade, rollback, uninstall or test.'),
  }),
  inProgress: obj('InProgress', 'A revision whose install, upgrade, rollback, uninstall or chart tests are waiting: for its objects to become ready, for a hook or test to complete, or (uninstall) for its objects to be gone. The wait holds no worker: watch events on those objects resume it, and the deadline is kept here, so it survives an operator restart.', {
    action: str('The action under way: install, upgrade, rollback, uninstall, or test (the install or upgrade is deployed and its chart tests run).'),
    revision: int('The revision the action works on.', { minimum: 1 }),
    generation: int('metadata.generation the action was started for; a newer one supersedes it.', { minimum: 0 }),
    deadline: time('When the wait fails (the start of the wait plus spec.timeout).'),
    applied: bool('True once the revision\'s objects have been applied: the action waits for their readiness or in its post hooks. Without it the action is parked in its pre hooks, and its resume applies the objects (a server-side apply, safe to repeat) before it waits, even when every pre hook has already succeeded.'),
    hooksSince: time('Set while the action waits in a hook event after its first (post-install, post-upgrade, post-rollback, post-delete): when that event began. A hook of both events (pre- and post-) that last ran before it is run again, as Helm runs it once per event.'),
    waitingOn: str('What the revision still waits for, as last seen.'),
  }),
  failures: int('Failed reconciles since the last success.', { minimum: 0 }),
  installFailures: int('Failed installs since the last success (counted against install.remediation.retries).', { minimum: 0 }),
  upgradeFailures: int('Failed upgrades since the last success (counted against upgrade.remediation.retries).', { minimum: 0 }),
  inventory: list(
    'Objects of the deployed revision.',
    obj(
      'InventoryEntry',
      'One object owned by the release.',
      {
        apiVersion: str('apiVersion of the object.'),
        kind: str('Kind of the object.'),
        namespace: str('Namespace of the object; empty for cluster-scoped objects.'),
        name: str('Name of the object.'),
      },
      { required: ['apiVersion', 'kind', 'name'] },
    ),
  ),
  history: list(
    'Helm revisions of the release, newest first, at most maxHistory.',
    obj(
      'ReleaseSnapshot',
      'One Helm revision of the release.',
      {
        revision: int('Helm revision number.', { minimum: 1 }),
        chartVersion: str('Chart version of the revision.'),
        appVersion: str('appVersion of the chart of the revision.'),
        valuesDigest: str('Digest of the merged values of the revision.'),
        status: oneOf(
          'Helm status of the revision.',
          ['unknown', 'deployed', 'uninstalled', 'superseded', 'failed', 'uninstalling', 'pending-install', 'pending-upgrade', 'pending-rollback'],
          { typeName: 'ReleaseStatus' },
        ),
        action: oneOf('Helm action that created the revision.', ['install', 'upgrade', 'rollback'], { typeName: 'ReleaseAction' }),
        firstDeployed: time('When the release was first deployed.'),
        lastDeployed: time('When this revision was deployed.'),
        digest: str('Digest of the release record (chart, values and manifest) of the revision.'),
      },
      { required: ['revision', 'status'] },
    ),
  ),
  lastHandledReconcileAt: str('Last value of the maglev.io/reconcile-requested-at annotation that was handled.'),
  lastHandledForceAt: str('Last value of the maglev.io/force-at annotation that was acted on (one forced install or upgrade).'),
  lastHandledResetAt: str('Last value of the maglev.io/reset-at annotation that was acted on (failure counters reset).'),
});

/** The HelmRelease kind, as the generator turns it into a CRD and TypeScript types. */
export const helmRelease: KindDefinition = {
  kind: 'HelmRelease',
  plural: 'helmreleases',
  singular: 'helmrelease',
  shortNames: ['mhr'],
  categories: ['maglev'],
  description: 'HelmRelease installs one Helm chart as a Helm-compatible release and keeps it in the state its spec describes.',
  spec: helmReleaseSpec,
  status: helmReleaseStatus,
  printerColumns: [
    ...readyColumns,
    { name: 'Version', type: 'string', jsonPath: '.status.chartVersion', description: 'Deployed chart version.' },
    { name: 'Revision', type: 'integer', jsonPath: '.status.releaseRevision', description: 'Deployed Helm revision.' },
    ageColumn,
  ],
};
