{{/* Renders a value that may hold template expressions: a string as it is, anything else as YAML first. */}}
{{- define "common.tplvalues.render" -}}
{{- $text := .value -}}
{{- if not (typeIs "string" .value) -}}{{- $text = toYaml .value -}}{{- end -}}
{{- if contains "{{" $text -}}
{{- tpl $text .context -}}
{{- else -}}
{{- $text -}}
{{- end -}}
{{- end -}}
