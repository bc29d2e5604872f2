{{- define "common.capabilities.kubeVersion" -}}
{{- if and .Values.global .Values.global.kubeVersion -}}{{ .Values.global.kubeVersion }}{{- else -}}{{ .Capabilities.KubeVersion.Version }}{{- end -}}
{{- end -}}

{{- define "common.capabilities.policy.apiVersion" -}}
{{- if semverCompare "<1.21-0" (include "common.capabilities.kubeVersion" .) -}}policy/v1beta1{{- else -}}policy/v1{{- end -}}
{{- end -}}
