{{/* Names, labels and the pieces every workload shares. */}}

{{- define "ipv6matrix.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ipv6matrix.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ipv6matrix.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ipv6matrix.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ipv6matrix.tokenSecret" -}}
{{ .Values.api.existingSecret | default (printf "%s-api-token" (include "ipv6matrix.fullname" .)) }}
{{- end -}}

{{- define "ipv6matrix.clickhouseSecret" -}}
{{ .Values.clickhouse.existingSecret | default (printf "%s-clickhouse" (include "ipv6matrix.fullname" .)) }}
{{- end -}}

{{- define "ipv6matrix.natsServers" -}}
{{- if .Values.nats.enabled -}}
{{- list (printf "nats://%s-nats:4222" .Release.Name) | toJson -}}
{{- else -}}
{{- .Values.nats.servers | toJson -}}
{{- end -}}
{{- end -}}

{{/* host:port/database of the ClickHouse HTTP interface; credentials come from the Secret. */}}
{{- define "ipv6matrix.clickhouseEndpoint" -}}
{{- if .Values.clickhouse.enabled -}}
{{- printf "%s-clickhouse:8123/%s" .Release.Name .Values.clickhouse.database -}}
{{- else -}}
{{- printf "%s:%v/%s" .Values.clickhouse.host .Values.clickhouse.port .Values.clickhouse.database -}}
{{- end -}}
{{- end -}}

{{/*
Environment of a role (dict "root" . "role" ROLE): the configuration file, the
api token (every role's gRPC services require it), and for the api and the
aggregator, the only roles that use the store, its URL built from the
ClickHouse Secret (Kubernetes expands $(VAR) from variables defined before it).
Variables come after --config, so only secrets go here.
*/}}
{{- define "ipv6matrix.env" -}}
{{- $root := .root -}}
- name: IPV6MATRIX_CONFIG
  value: /etc/ipv6matrix/config.yaml
- name: IPV6MATRIX_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "ipv6matrix.tokenSecret" $root }}
      key: token
{{- if has .role (list "api" "aggregator") }}
{{- with $root }}
- name: CLICKHOUSE_USER
  valueFrom:
    secretKeyRef:
      name: {{ include "ipv6matrix.clickhouseSecret" . }}
      key: username
- name: CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "ipv6matrix.clickhouseSecret" . }}
      key: password
- name: IPV6MATRIX_STORE_URL
  value: {{ printf "%s://$(CLICKHOUSE_USER):$(CLICKHOUSE_PASSWORD)@%s" (ternary "http" .Values.clickhouse.scheme .Values.clickhouse.enabled) (include "ipv6matrix.clickhouseEndpoint" .) | quote }}
{{- end }}
{{- end }}
{{- end -}}
