/**
 * Schema pieces shared by HelmRelease and MaglevDistro: durations, references, chart sources, values
 * sources, label selectors and the standard condition. Limits on strings and lists keep the cost of the
 * CEL rules bounded, which the API server checks when the CRD is applied.
 */
import { bool, int, list, map, obj, oneOf, str, type Schema } from './schema.js';

/** Go duration syntax accepted by the API server (`30s`, `1m30s`, `1.5h`); validate.ts parses the value. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

/** A DNS-1123 label (namespaces, component names). */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** A DNS-1123 subdomain (object names). */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A Go-style duration string property. */
export function duration(description: string, defaultValue?: string): Schema {
  const extra = defaultValue === undefined ? {} : { default: defaultValue };
  return str(description, { pattern: DURATION_PATTERN, maxLength: 64, ...extra });
}

/** The name of an object in the same namespace. */
export function objectName(description: string): Schema {
  return str(description, { minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN });
}

/** A namespace name. */
export function namespaceName(description: string): Schema {
  return str(description, { minLength: 1, maxLength: 63, pattern: DNS_LABEL_PATTERN });
}

/** A key in a ConfigMap or Secret. */
function dataKey(description: string): Schema {
  return str(description, { minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' });
}

/** `{ name }` of a Secret in the namespace of the referring object. */
export const secretRef = obj(
  'SecretReference',
  'A Secret in the same namespace. For repositories and bundles: keys username and password (basic auth) or ' +
    'token (bearer), and optionally caFile (PEM CA bundle for a private certificate authority).',
  { name: objectName('Name of the Secret.') },
  { required: ['name'] },
);

/** `{ name, key }` of a ConfigMap entry holding an archive in binaryData. */
export const configMapKeyRef = obj(
  'ConfigMapKeyReference',
  'An entry of a ConfigMap in the same namespace; the archive is read from binaryData (or data).',
  { name: objectName('Name of the ConfigMap.'), key: dataKey('Key of the entry holding the archive.') },
  { required: ['name', 'key'] },
);

/** `{ digest }` an archive must match before it is used. */
export const verify = obj(
  'VerifySpec',
  'Integrity check applied to the downloaded archive before it is used.',
  {
    digest: str('Expected digest of the archive, as sha256:<64 lowercase hex digits>.', {
      pattern: '^sha256:[a-f0-9]{64}$',
      maxLength: 71,
    }),
  },
  { required: ['digest'] },
);

/** Repository and archive URLs: a length cap keeps CEL cost bounded and rejects absurd input. */
const URL_MAX = 2048;

/**
 * The chart source of a HelmRelease (and of a distro component). `path` names the field in CEL messages.
 * Exactly one of repository (with name), url, configMapRef or distroRef is set.
 */
export function chartSource(path: string): Schema {
  return obj(
    'ChartSource',
    'Where the chart comes from: exactly one of repository (with name), url, configMapRef or distroRef.',
    {
      repository: str('Helm repository: an HTTP(S) repository serving index.yaml, or an OCI registry path (oci://host/path).', {
        pattern: '^(oci|https?)://[^\\s]+$',
        maxLength: URL_MAX,
      }),
      name: str('Chart name in the repository (one path segment). Required with repository.', {
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        maxLength: 253,
      }),
      version: str('Semver range or exact version of the chart, resolved against the repository. Default "*" (the newest).', {
        default: '*',
        minLength: 1,
        maxLength: 256,
      }),
      url: str('Direct URL of a chart archive (.tgz), as an alternative to repository.', {
        pattern: '^https?://[^\\s]+$',
        maxLength: URL_MAX,
      }),
      configMapRef: configMapKeyRef,
      distroRef: obj(
        'DistroReference',
        'The chart of a component of a MaglevDistro bundle. Set by the MaglevDistro controller only.',
        {
          name: objectName('Name of the MaglevDistro (same namespace).'),
          component: namespaceName('Name of the component in that distro.'),
        },
        { required: ['name', 'component'] },
      ),
      secretRef,
      verify,
    },
    {
      'x-kubernetes-validations': [
        {
          rule:
            '(has(self.repository) ? 1 : 0) + (has(self.url) ? 1 : 0) + (has(self.configMapRef) ? 1 : 0) + ' +
            '(has(self.distroRef) ? 1 : 0) == 1',
          message: `${path}: exactly one of repository, url, configMapRef or distroRef must be set`,
        },
        { rule: '!has(self.repository) || has(self.name)', message: `${path}.name is required when ${path}.repository is set` },
      ],
    },
  );
}

/** An ordered list of ConfigMap/Secret entries merged into the values. */
export const valuesFrom = list(
  'Values read from ConfigMaps and Secrets in the same namespace, merged in order below the inline values.',
  obj(
    'ValuesReference',
    'One ConfigMap or Secret entry holding values.',
    {
      kind: oneOf('Kind of the object holding the values.', ['ConfigMap', 'Secret'], { typeName: 'ValuesReferenceKind' }),
      name: objectName('Name of the ConfigMap or Secret.'),
      key: dataKey('Key of the entry. Without targetPath it must hold a YAML object of values.'),
      targetPath: str('Path in the values (e.g. auth.password or list[0]) where the raw entry is put as one value.', {
        pattern: '^([a-zA-Z0-9_\\-./]|\\[[0-9]{1,5}\\])+$',
        maxLength: 250,
      }),
      optional: bool('When true, a missing object or key is skipped instead of failing the reconcile.'),
    },
    { required: ['kind', 'name', 'key'] },
  ),
  { maxItems: 32 },
);

/** A standard Kubernetes label selector; `description` says what it selects. */
export function labelSelector(description: string): Schema {
  return obj('LabelSelector', description, {
    matchLabels: map('Labels that must all be present with these values.', str('Label value.', { maxLength: 63 }), {
      maxProperties: 64,
    }),
    matchExpressions: list(
      'Set-based requirements.',
      obj(
        'LabelSelectorRequirement',
        'One set-based requirement.',
        {
          key: str('Label key.', { maxLength: 317 }),
          operator: oneOf('How the key relates to the values.', ['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: list('Values for In and NotIn; empty for Exists and DoesNotExist.', str('A value.', { maxLength: 63 }), {
            maxItems: 64,
          }),
        },
        { required: ['key', 'operator'] },
      ),
      { maxItems: 32 },
    ),
  });
}

/** The metav1.Condition shape, as `kubectl wait --for=condition=...` and kstatus expect it. */
export const condition = obj(
  'Condition',
  'One aspect of the current state of the object, in the standard Kubernetes condition shape.',
  {
    type: str('Condition type in CamelCase: Ready, Reconciling, Stalled, or one specific to the kind.', {
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: oneOf('Status of the condition.', ['True', 'False', 'Unknown'], { typeName: 'ConditionStatus' }),
    observedGeneration: int('metadata.generation the condition was computed from.', { minimum: 0 }),
    lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
    reason: str('Machine-readable CamelCase reason for the last transition.', {
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: str('Human-readable details of the last transition; may be empty.', { maxLength: 32768 }),
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

/** `status.conditions`: a list map keyed by type. */
export const conditions = list('Conditions of the object; Ready summarises the others.', condition, {
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});

/** `status.observedGeneration`. */
export const observedGeneration = int('The metadata.generation last reconciled to completion (or to a terminal error).', {
  minimum: 0,
});
