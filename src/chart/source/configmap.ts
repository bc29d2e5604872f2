/**
 * A chart archive stored in a ConfigMap (`spec.chart.configMapRef`): the controller reads the ConfigMap,
 * this turns its `binaryData` (or base64 text in `data`) under the key into archive bytes.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import type { ConfigMapData } from './common.js';

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

/** The archive bytes of `cm[key]`; ChartNotFound when the ConfigMap or key is missing. */
export function archiveFromConfigMap(cm: ConfigMapData | undefined, ref: { name: string; key: string }): Buffer {
  const where = `ConfigMap "${ref.name}" key "${ref.key}"`;
  if (cm === undefined) throw new MaglevError(ErrorCode.ChartNotFound, `${where}: ConfigMap not found`, { where: 'spec.chart.configMapRef' });
  const own = <T>(m: Record<string, T> | undefined): T | undefined => (m !== undefined && Object.prototype.hasOwnProperty.call(m, ref.key) ? m[ref.key] : undefined);
  const text = own(cm.binaryData) ?? own(cm.data);
  if (text === undefined) {
    const keys = [...Object.keys(cm.binaryData ?? {}), ...Object.keys(cm.data ?? {})].join(', ');
    throw new MaglevError(ErrorCode.ChartNotFound, `${where}: key not found (keys: ${keys === '' ? 'none' : keys})`, { where: 'spec.chart.configMapRef.key' });
  }
  if (!BASE64.test(text)) {
    throw new MaglevError(ErrorCode.ChartInvalid, `${where}: not base64; store the .tgz in binaryData (kubectl create configmap --from-file)`, { where: 'spec.chart.configMapRef', terminal: true });
  }
  return Buffer.from(text, 'base64');
}
