/**
 * The prose of docs/api.md that the schema does not hold: an intro and a YAML example per kind, the
 * condition types and reasons, annotations, and the checks the operator makes because the API server
 * cannot. docgen.ts renders it together with the schema; generate.test.ts checks that the examples pass
 * the schema and the operator's own validation.
 */

/** One condition type of a kind and what it says. */
export interface ConditionDoc {
  type: string;
  meaning: string;
}

/** One annotation a user sets on an object. */
export interface AnnotationDoc {
  name: string;
  meaning: string;
}

/** Everything docs/api.md says about one kind beyond its schema. */
export interface KindDoc {
  /** Paragraphs after the kind's own description. */
  intro: string[];
  /** A complete object in YAML (comments allowed); must pass the schema. */
  example: string;
  /** Every condition type named by the kind's status.conditions description, in that order. */
  conditions: ConditionDoc[];
  /** Checks made by the operator (not the API server); a failing one stalls the object with InvalidSpec. */
  operatorChecks: string[];
  annotations: AnnotationDoc[];
}

/** The kstatus summary conditions every kind has. */
const SUMMARY_CONDITIONS: ConditionDoc[] = [
  {
    type: 'Ready',
    meaning:
      'The summary. True when the object is in the state its spec describes; Unknown while work is under way; ' +
      'False after a failure (with Reconciling=True when it will be retried, Stalled=True when it will not).',
  },
  {
    type: 'Reconciling',
    meaning: 'True while work is under way, retries after an error included. Removed, not set False, when the work ends.',
  },
  {
    type: 'Stalled',
    meaning:
      'True when no progress is possible until the spec changes (a terminal error). Removed, not set False, ' +
      'otherwise. The object is not retried until its spec changes.',
  },
];

/** One reason the operator writes on the summary conditions (Markdown: code spans allowed). */
export interface ReasonDoc {
  reason: string;
  conditions: string;
  meaning: string;
}

/** Reasons of Ready, Reconciling and Stalled, as set by the reconcile shape (src/controllers/common.ts). */
export const SUMMARY_REASONS: readonly ReasonDoc[] = [
  {
    reason: '`Progressing`',
    conditions: 'Ready=Unknown, Reconciling=True',
    meaning: 'The spec is valid and work is under way.',
  },
  {
    reason: '`InvalidSpec`',
    conditions: 'Ready=False, Stalled=True',
    meaning:
      'The spec fails a check the API server cannot make (listed under Validation for each kind). The message ' +
      'names every problem with its field path. Not retried until the spec changes.',
  },
  {
    reason: 'an error code, e.g. `ChartFetchFailed`',
    conditions: 'Ready=False, and Reconciling=True (retried) or Stalled=True (terminal)',
    meaning:
      'A step failed. The reason is the code of the error (`ErrorCode` in src/errors.ts) and the message says ' +
      'what failed and where.',
  },
  {
    reason: '`ReconcileError`',
    conditions: 'Ready=False, Reconciling=True',
    meaning: 'A failure without an error code; retried with backoff.',
  },
];

/** Paragraphs of the "Conventions" section. */
export const CONVENTIONS: readonly string[] = [
  'Both kinds are namespaced and have the `status` subresource: users write `spec`, the operator writes ' +
    '`status`. `status.observedGeneration` is the `metadata.generation` the status was computed from.',
  'Durations are Go duration strings: `30s`, `5m`, `1h30m` (units `ns`, `us`, `ms`, `s`, `m`, `h`).',
  'Conditions have the standard Kubernetes shape and follow kstatus: `Ready` summarises, `Reconciling` and ' +
    '`Stalled` are present only while true. So `kubectl wait --for=condition=Ready` and kstatus-based tools work.',
  'Validation happens in two places: the API server rejects an object that breaks the schema or a CEL rule ' +
    '(the error names the field), and the operator checks what the API server cannot (durations, semver ' +
    'ranges, the distro dependency graph) and reports it as `Stalled` with reason `InvalidSpec`.',
];

const durationChecks = (prefix: string): string =>
  `\`${prefix}interval\`, \`${prefix}timeout\` and \`${prefix}test.timeout\` parse as Go durations.`;

/** The HelmRelease prose. */
const helmRelease: KindDoc = {
  intro: [
    'The chart comes from exactly one source: a Helm HTTP(S) repository or an OCI registry (`repository` with ' +
      '`name` and a semver `version` range), a direct archive `url`, an archive in a ConfigMap (`configMapRef`), ' +
      'or a MaglevDistro bundle (`distroRef`, set by the MaglevDistro controller only).',
    'Values are merged in this order, later wins: the chart defaults, each `valuesFrom` entry in list order, ' +
      'then the inline `values`.',
    'Each revision is recorded the way Helm 3 records it: a Secret `sh.helm.release.v1.<release>.v<revision>` ' +
      'of type `helm.sh/release.v1` in the target namespace, so `helm list`, `helm history` and `helm get` read it.',
  ],
  example: `apiVersion: maglev.io/v1alpha1
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  chart:
    repository: https://charts.example.com   # or oci://registry.example.com/charts
    name: podinfo
    version: ">=6.0.0 <7.0.0"                 # default "*": the newest version
    # Other sources, exactly one per chart:
    #   url: https://charts.example.com/podinfo-6.5.0.tgz
    #   configMapRef: { name: podinfo-chart, key: chart.tgz }
  targetNamespace: web           # default: metadata.namespace
  values:
    replicaCount: 2
  valuesFrom:
    - { kind: ConfigMap, name: web-values, key: values.yaml }
    - { kind: Secret, name: web-secret, key: password, targetPath: auth.password }
  interval: 10m
  timeout: 5m
  install:
    createNamespace: true
    remediation: { retries: 2 }
  upgrade:
    remediation: { retries: 2, strategy: rollback }
  test: { enable: true }
  driftDetection: { mode: warn }
`,
  conditions: [
    ...SUMMARY_CONDITIONS,
    { type: 'Released', meaning: 'Outcome of the last install or upgrade of the release.' },
    { type: 'Remediated', meaning: 'A failed install or upgrade was remediated (uninstalled or rolled back).' },
    {
      type: 'TestSuccess',
      meaning: 'Outcome of the chart tests (`helm.sh/hook: test`) of the last install or upgrade when `spec.test.enable` is true: `TestSucceeded` or `TestFailed` naming the failed hook.',
    },
    {
      type: 'Drifted',
      meaning:
        'Whether objects of the deployed revision were changed outside Helm: False `NoDriftDetected` or `DriftCorrected` (naming what was put back), True `DriftDetected` (`driftDetection.mode: warn`, nothing changed) or `DriftCorrectionFailed` (Ready is then False), Unknown `DriftCheckFailed`. Absent with `mode: disabled`.',
    },
  ],
  operatorChecks: [
    '`spec.chart.version` is a semver range or exact version (`6.5.0`, `6.x`, `^6.1.0`, `">=6.0.0 <7.0.0"`).',
    durationChecks('spec.'),
  ],
  annotations: [
    {
      name: 'maglev.io/reconcile-requested-at',
      meaning: 'Reconcile now. The handled value is copied to `status.lastHandledReconcileAt`.',
    },
    { name: 'maglev.io/force-at', meaning: 'One upgrade even when in sync or out of retries.' },
    { name: 'maglev.io/reset-at', meaning: 'Reset the failure counters.' },
  ],
};

/** The MaglevDistro prose. */
const maglevDistro: KindDoc = {
  intro: [
    'Each enabled component becomes one child HelmRelease named `<distro>-<component>`, owned by the distro, so ' +
      'everything a HelmRelease does (hooks, waits, drift detection, Helm-compatible records) applies per component.',
    'A component is installed or changed only after every component it depends on is Ready at its target of the ' +
      'current plan; removal goes in reverse dependency order. A plan that changes a `Manual` component stops at ' +
      '`AwaitingApproval` until `spec.approvedPlan` equals `status.plan.id`.',
    'Components are listed inline, or come from a bundle (`spec.bundle`); an inline component with the name of a ' +
      'bundle component overrides it (values deep-merge, other fields replace).',
  ],
  example: `apiVersion: maglev.io/v1alpha1
kind: MaglevDistro
metadata:
  name: maglev
  namespace: maglev-system
spec:
  version: 1.4.0
  # bundle:                      # components and charts from a bundle instead of inline charts
  #   url: https://releases.example.com/maglev-distro-1.4.0.tgz
  values:
    global: { domain: maglev.local }   # every component sees .Values.global.domain
  upgrade:
    onFailure: rollback
    maxParallel: 2
  components:
    - name: pki
      class: core
      chart: { repository: https://charts.example.com, name: pki, version: 1.x }
    - name: postgres
      class: stateful
      dependsOn: [pki]
      upgradePolicy: Manual      # a plan that changes it waits for spec.approvedPlan
      chart: { repository: oci://registry.example.com/charts, name: postgres, version: "~12.1.0" }
      release: { timeout: 15m }
    - name: web
      class: stateless
      dependsOn: [postgres]
      chart: { repository: https://charts.example.com, name: web, version: ">=2.0.0 <3.0.0" }
      values: { replicaCount: 2 }
`,
  conditions: [
    ...SUMMARY_CONDITIONS,
    {
      type: 'AwaitingApproval',
      meaning: 'The plan changes a `Manual` component and `spec.approvedPlan` does not equal `status.plan.id`.',
    },
    {
      type: 'RolledBack',
      meaning:
        'A change failed with `upgrade.onFailure: rollback`, and the changed components were rolled back to the ' +
        'previous distro revision.',
    },
  ],
  operatorChecks: [
    '`spec.version` is a semantic version (`1.4.0`).',
    'Component names are unique.',
    'Every `dependsOn` entry of an enabled component names an enabled component, and the dependencies have no cycle.',
    '`chart.version` of each component is a semver range; ' + durationChecks('release.'),
    'The child HelmRelease name `<distro>-<component>` fits in 53 characters, unless `release.releaseName` is set.',
  ],
  annotations: [],
};

/** The prose of each kind, by kind name. */
export const KIND_DOCS: Readonly<Record<string, KindDoc>> = { HelmRelease: helmRelease, MaglevDistro: maglevDistro };

/** A status as the operator writes it today for a spec it cannot accept (shown under "Status conditions"). */
export const STALLED_EXAMPLE = `status:
  observedGeneration: 2
  conditions:
    - type: Stalled
      status: "True"
      reason: InvalidSpec
      message: 'spec.chart.version: ">=1.0 <<2" is not a semver range or version; expected e.g. 6.5.0, 6.x, ^6.1.0 or ">=6.0.0 <7.0.0"'
      observedGeneration: 2
      lastTransitionTime: "2025-01-01T00:00:00Z"
    - type: Ready
      status: "False"
      reason: InvalidSpec
      message: 'spec.chart.version: ">=1.0 <<2" is not a semver range or version; expected e.g. 6.5.0, 6.x, ^6.1.0 or ">=6.0.0 <7.0.0"'
      observedGeneration: 2
      lastTransitionTime: "2025-01-01T00:00:00Z"
`;
