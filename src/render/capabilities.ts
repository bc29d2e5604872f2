/**
 * `.Capabilities` as both engines see it: the Kubernetes version parsed the way Helm parses
 * `--kube-version`, and the API versions (the given ones plus Helm's built-in default set, since
 * `helm template` always includes those).
 */
import { ErrorCode, MaglevError } from '../errors.js';
import type { RenderCapabilities } from './types.js';

/** The API group/versions `helm template` (v3.21) reports when given no `--api-versions`. */
export const DEFAULT_API_VERSIONS: readonly string[] = [
  'v1',
  'admissionregistration.k8s.io/v1',
  'admissionregistration.k8s.io/v1alpha1',
  'admissionregistration.k8s.io/v1beta1',
  'internal.apiserver.k8s.io/v1alpha1',
  'apps/v1',
  'apps/v1beta1',
  'apps/v1beta2',
  'authentication.k8s.io/v1',
  'authentication.k8s.io/v1alpha1',
  'authentication.k8s.io/v1beta1',
  'authorization.k8s.io/v1',
  'authorization.k8s.io/v1beta1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'batch/v1beta1',
  'certificates.k8s.io/v1',
  'certificates.k8s.io/v1beta1',
  'certificates.k8s.io/v1alpha1',
  'coordination.k8s.io/v1alpha2',
  'coordination.k8s.io/v1beta1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'discovery.k8s.io/v1beta1',
  'events.k8s.io/v1',
  'events.k8s.io/v1beta1',
  'extensions/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1beta2',
  'flowcontrol.apiserver.k8s.io/v1beta3',
  'networking.k8s.io/v1',
  'networking.k8s.io/v1beta1',
  'node.k8s.io/v1',
  'node.k8s.io/v1alpha1',
  'node.k8s.io/v1beta1',
  'policy/v1',
  'policy/v1beta1',
  'rbac.authorization.k8s.io/v1',
  'rbac.authorization.k8s.io/v1beta1',
  'rbac.authorization.k8s.io/v1alpha1',
  'resource.k8s.io/v1',
  'resource.k8s.io/v1beta2',
  'resource.k8s.io/v1beta1',
  'resource.k8s.io/v1alpha3',
  'scheduling.k8s.io/v1alpha2',
  'scheduling.k8s.io/v1beta1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1beta1',
  'storage.k8s.io/v1',
  'storage.k8s.io/v1alpha1',
  'storagemigration.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1',
];

/** The Kubernetes version `maglev template` assumes when none is given. */
export const DEFAULT_KUBE_VERSION = 'v1.35.0';

/** `.Capabilities.KubeVersion`: Helm's fields, all strings. */
export interface KubeVersionInfo {
  Version: string;
  Major: string;
  Minor: string;
  GitVersion: string;
}

/**
 * Parses a Kubernetes version like Helm's `--kube-version` (`1.29`, `v1.29.3+k3s1`): Version is the text with
 * a `v` prefix (Helm keeps `v1.29` as given), Major/Minor its numbers; InvalidOptions if not a version.
 */
export function kubeVersionInfo(text: string): KubeVersionInfo {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (m === null) {
    throw new MaglevError(ErrorCode.InvalidOptions, `invalid Kubernetes version "${text}" (expected e.g. v1.35.0)`, {
      terminal: true,
      where: 'kubeVersion',
    });
  }
  const [, major = '0', minor = '0'] = m;
  const trimmed = text.trim();
  const version = trimmed.startsWith('v') ? trimmed : `v${trimmed}`;
  return { Version: version, Major: String(Number(major)), Minor: String(Number(minor)), GitVersion: version };
}

/** The API versions templates see: Helm's defaults first, then the cluster's, without duplicates. */
export function apiVersionSet(caps: RenderCapabilities): string[] {
  return [...new Set([...DEFAULT_API_VERSIONS, ...caps.apiVersions])];
}
