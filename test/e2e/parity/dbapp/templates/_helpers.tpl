{{- define "dbapp.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- define "dbapp.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: primary
{{- end -}}
{{/* The password: the value when set, else the one already in the cluster, else a new random one. */}}
{{- define "dbapp.password" -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "dbapp.fullname" .) -}}
{{- if .Values.auth.password -}}
{{- .Values.auth.password | b64enc -}}
{{- else if and $existing (index $existing.data "password") -}}
{{- index $existing.data "password" -}}
{{- else -}}
{{- randAlphaNum 20 | b64enc -}}
{{- end -}}
{{- end -}}
