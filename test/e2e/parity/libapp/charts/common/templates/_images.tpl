{{/* registry/repository:tag, the registry from global.imageRegistry when set, the tag from appVersion when empty. */}}
{{- define "common.images.image" -}}
{{- $registry := .image.registry | default "" -}}
{{- if and .global .global.imageRegistry -}}{{- $registry = .global.imageRegistry -}}{{- end -}}
{{- $tag := .image.tag | default .chart.AppVersion | toString -}}
{{- if $registry -}}{{ printf "%s/%s:%s" $registry .image.repository $tag }}{{- else -}}{{ printf "%s:%s" .image.repository $tag }}{{- end -}}
{{- end -}}
