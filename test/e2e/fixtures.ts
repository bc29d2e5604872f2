/**
 * The charts the HelmRelease e2e tests install, as path → content maps for {@link ChartRepo.add}:
 * - `ejsapp` (EJS): ConfigMap, Deployment, Service; 1.0.0 also has an `-extra` ConfigMap and a `-keep` one
 *   (helm.sh/resource-policy: keep) that 1.1.0 drops; values switch in a hanging pod or one bad input;
 *   9.0.0 carries a 1.5 MiB incompressible file, so its release record is too large;
 * - `helmapp` (Go templates): ConfigMap, Deployment, Service;
 * - `hookapp` (EJS): a ConfigMap and Jobs for the six install/upgrade/delete hook events, with weights and
 *   delete policies; values make the second pre-upgrade Job or the pre-delete Job fail, or the post-install
 *   or the pre-delete Job run forever;
 * - `crdapp` (EJS): a CRD in crds/ and a custom resource of its kind in templates/;
 * - `testedapp` (EJS): a ConfigMap and two chart tests (`helm.sh/hook: test`), a bare Pod that a value makes
 *   fail (or run forever) and a Job deleted when it succeeds;
 * - `lookupapp` (Go templates): a password kept across upgrades with `lookup`, and the release's revision;
 *   `ejslookupapp` is its EJS twin (the first install's password, from a value, kept by `lookup`);
 * - `loopapp`, `bombapp`, `recapp` (Go templates): an endless loop, a 1.2 GB output bomb, endless include
 *   recursion.
 */
import { randomBytes } from 'node:crypto';
import type { ChartRepo } from './chartrepo.js';

const deploymentEjs = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: <%= Release.Name %>
spec:
  replicas: <%= Values.replicas %>
  selector:
    matchLabels: { app: <%= Release.Name %> }
  template:
    metadata:
      labels: { app: <%= Release.Name %> }
<% if (Values.hang) { -%>
      annotations: { kwok.maglev.io/outcome: hang }
<% } -%>
    spec:
      containers:
        - name: app
          image: example.com/app:<%= Chart.AppVersion %>
`;

/** `<release>-config` with `message` from the values, shared by the EJS fixtures. */
const configMapEjs = `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-config
data:
  message: <%= quote(Values.message) %>
`;

const ejsCommon: Record<string, string> = {
  'values.yaml': 'replicas: 1\nmessage: hello\nhang: false\nbad: ""\n',
  'templates/configmap.yaml.ejs': configMapEjs,
  'templates/deployment.yaml.ejs': deploymentEjs,
  'templates/service.yaml.ejs': `apiVersion: v1
kind: Service
metadata:
  name: <%= Release.Name %>
spec:
  selector: { app: <%= Release.Name %> }
  ports: [{ port: 80, targetPort: 8080 }]
`,
  'templates/bad.yaml.ejs': `<% if (Values.bad === 'unknownKind') { -%>
apiVersion: example.com/v1
kind: Widget
metadata:
  name: <%= Release.Name %>-widget
<% } else if (Values.bad === 'duplicate') { -%>
apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-config
<% } else if (Values.bad === 'owned') { -%>
apiVersion: v1
kind: ConfigMap
metadata:
  name: shared-owned
<% } -%>
`,
  'templates/NOTES.txt.ejs': 'Release <%= Release.Name %> runs <%= Chart.Name %> <%= Chart.Version %>.\n',
};

const ejsV1Only: Record<string, string> = {
  'templates/extra.yaml.ejs': `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-extra
data: { removed: "in 1.1.0" }
`,
  'templates/keep.yaml.ejs': `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-keep
  annotations:
    helm.sh/resource-policy: keep
data: { kept: "always" }
`,
};

const helmTemplates: Record<string, string> = {
  'values.yaml': 'replicas: 1\nmessage: hello\n',
  'templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  message: {{ .Values.message | quote }}
`,
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }} }
    spec:
      containers:
        - name: app
          image: example.com/app:{{ .Chart.AppVersion }}
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: { app: {{ .Release.Name }} }
  ports: [{ port: 80, targetPort: 8080 }]
`,
};

/** One hook Job; `fails` is an EJS condition that makes its pod fail, `hangs` one that keeps it running. */
function hookJob(name: string, event: string, weight: number, policy?: string, fails?: string, hangs?: string): string {
  const outcome = (when: string | undefined, what: string): string =>
    when === undefined ? '' : `<% if (${when}) { -%>\n      annotations: { kwok.maglev.io/outcome: ${what} }\n<% } -%>\n`;
  const fail = outcome(fails, 'fail') + outcome(hangs, 'hang');
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    helm.sh/hook: ${event}
    helm.sh/hook-weight: "${weight}"
${policy === undefined ? '' : `    helm.sh/hook-delete-policy: ${policy}\n`}spec:
  backoffLimit: 0
  template:
    metadata:
      labels: { hook: ${name} }
${fail}    spec:
      restartPolicy: Never
      containers:
        - name: hook
          image: example.com/hook:1
`;
}

/** The hooks of `hookapp`: name → [event, weight, delete policy]. Listed out of order on purpose. */
export const HOOKS = {
  'pre-install-late': ['pre-install', 5, undefined],
  'pre-install-early': ['pre-install', -5, 'hook-succeeded'],
  'post-install': ['post-install', 0, 'hook-succeeded'],
  'pre-upgrade-b': ['pre-upgrade', 1, 'before-hook-creation,hook-failed'],
  'pre-upgrade-a': ['pre-upgrade', -1, undefined],
  'post-upgrade': ['post-upgrade', 0, undefined],
  'pre-delete': ['pre-delete', 0, undefined],
  'post-delete': ['post-delete', 0, 'hook-succeeded'],
} as const;

function hookFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'values.yaml': 'message: hello\nfailPreUpgrade: false\nfailPreDelete: false\nhangPostInstall: false\nhangPreDelete: false\n',
    'templates/configmap.yaml.ejs': configMapEjs,
  };
  for (const [name, [event, weight, policy]] of Object.entries(HOOKS)) {
    const fails = name === 'pre-upgrade-b' ? 'Values.failPreUpgrade' : name === 'pre-delete' ? 'Values.failPreDelete' : undefined;
    const hangs = name === 'post-install' ? 'Values.hangPostInstall' : name === 'pre-delete' ? 'Values.hangPreDelete' : undefined;
    files[`templates/hook-${name}.yaml.ejs`] = hookJob(name, event, weight, policy, fails, hangs);
  }
  return files;
}

const testedFiles: Record<string, string> = {
  'values.yaml': 'message: hello\nfailTest: false\nhangTest: false\n',
  'templates/configmap.yaml.ejs': configMapEjs,
  'templates/tests/smoke.yaml.ejs': `apiVersion: v1
kind: Pod
metadata:
  name: <%= Release.Name %>-smoke
  annotations:
    helm.sh/hook: test
    helm.sh/hook-weight: "1"
<% if (Values.failTest) { -%>
    kwok.maglev.io/outcome: fail
<% } else if (Values.hangTest) { -%>
    kwok.maglev.io/outcome: hang
<% } -%>
spec:
  restartPolicy: Never
  containers:
    - name: smoke
      image: example.com/smoke:1
`,
  'templates/tests/api-check.yaml.ejs': hookJob('api-check', 'test', 0, 'hook-succeeded'),
};

/** Group of the CRD `crdapp` installs (cluster-scoped and never deleted, like Helm's crds/). */
export const CRD_GROUP = 'e2e.maglev.io';

const crdFiles: Record<string, string> = {
  'crds/gadgets.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${CRD_GROUP}
spec:
  group: ${CRD_GROUP}
  scope: Namespaced
  names: { plural: gadgets, singular: gadget, kind: Gadget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`,
  'templates/gadget.yaml.ejs': `apiVersion: ${CRD_GROUP}/v1
kind: Gadget
metadata:
  name: <%= Release.Name %>-gadget
spec:
  size: 3
`,
};

/**
 * `lookupapp` (Go templates): a Secret whose password is generated once and then kept with `lookup` (the
 * Bitnami idiom; `lookupNamespace` makes it look in another namespace), and a ConfigMap recording
 * `.Release.Revision`, `IsInstall` and `IsUpgrade`.
 */
const lookupTemplates: Record<string, string> = {
  'values.yaml': 'message: hello\n',
  'templates/secret.yaml': `{{- $old := lookup "v1" "Secret" (.Values.lookupNamespace | default .Release.Namespace) (printf "%s-auth" .Release.Name) -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-auth
data:
  password: {{ if $old }}{{ index $old.data "password" }}{{ else }}{{ randAlphaNum 24 | b64enc }}{{ end }}
`,
  'templates/info.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-info
data:
  message: {{ .Values.message | quote }}
  revision: "{{ .Release.Revision }}"
  isInstall: "{{ .Release.IsInstall }}"
  isUpgrade: "{{ .Release.IsUpgrade }}"
`,
};

/** The EJS twin of `lookupapp`: the password of the first install (a value) is kept by lookup across upgrades. */
const ejsLookupTemplates: Record<string, string> = {
  'values.yaml': 'message: hello\ninitialPassword: first\n',
  'templates/secret.yaml.ejs': `<% const old = lookup('v1', 'Secret', Release.Namespace, Release.Name + '-auth'); -%>
apiVersion: v1
kind: Secret
metadata:
  name: <%= Release.Name %>-auth
data:
  password: <%= old.data ? old.data.password : b64enc(Values.initialPassword) %>
`,
  'templates/info.yaml.ejs': `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-info
data:
  message: <%= quote(Values.message) %>
  revision: "<%= Release.Revision %>"
  isUpgrade: "<%= Release.IsUpgrade %>"
`,
};

/** Go-template charts a renderer must contain: an endless loop, an output bomb, endless include recursion. */
const hostileCharts: Record<string, Record<string, string>> = {
  loopapp: { 'templates/cm.yaml': 'a: "{{ range until 2000000000 }}{{ end }}"\n' },
  bombapp: { 'templates/cm.yaml': 'a: "{{ range until 120000000 }}xxxxxxxxxx{{ end }}"\n' },
  recapp: { 'templates/_h.tpl': '{{ define "x" }}{{ include "x" . }}{{ end }}', 'templates/cm.yaml': 'a: {{ include "x" . }}\n' },
};

/** Publishes every fixture chart version in \`repo\`. */
export async function publishFixtures(repo: ChartRepo): Promise<void> {
  await repo.add('ejsapp', '1.0.0', { ...ejsCommon, ...ejsV1Only });
  await repo.add('ejsapp', '1.1.0', ejsCommon);
  await repo.add('ejsapp', '9.0.0', { ...ejsCommon, 'files/blob.bin': randomBytes(1536 * 1024) });
  await repo.add('helmapp', '0.1.0', helmTemplates);
  await repo.add('helmapp', '0.2.0', helmTemplates);
  await repo.add('hookapp', '1.0.0', hookFiles());
  await repo.add('crdapp', '1.0.0', crdFiles);
  await repo.add('testedapp', '1.0.0', testedFiles);
  await repo.add('lookupapp', '1.0.0', lookupTemplates);
  await repo.add('ejslookupapp', '1.0.0', ejsLookupTemplates);
  for (const [name, files] of Object.entries(hostileCharts)) await repo.add(name, '1.0.0', files);
}
