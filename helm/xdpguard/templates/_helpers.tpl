{{/* Chart name (nameOverride or "xdpguard"). */}}
{{- define "xdpguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource-name prefix: fullnameOverride, or the release name (plus the chart name unless it contains it). */}}
{{- define "xdpguard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "xdpguard.operator.name" -}}{{ include "xdpguard.fullname" . }}-operator{{- end -}}
{{/* The agent DaemonSet's name (the operator creates it under this name). */}}
{{- define "xdpguard.agent.name" -}}{{ include "xdpguard.fullname" . }}-agent{{- end -}}
{{- define "xdpguard.agent.serviceAccountName" -}}{{ default (include "xdpguard.agent.name" .) .Values.agent.serviceAccount.name }}{{- end -}}

{{/* Labels on every resource. */}}
{{- define "xdpguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: xdpguard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of the operator pods. */}}
{{- define "xdpguard.operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "xdpguard.operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "xdpguard.operator.labels" -}}
{{ include "xdpguard.labels" . }}
app.kubernetes.io/name: {{ include "xdpguard.operator.name" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "xdpguard.agent.labels" -}}
{{ include "xdpguard.labels" . }}
app.kubernetes.io/name: {{ include "xdpguard.agent.name" . }}
app.kubernetes.io/component: agent
{{- end -}}

{{/* Labels the operator puts on the agent pods (AgentDaemonSet.desired): name + component. */}}
{{- define "xdpguard.agent.podSelectorLabels" -}}
app.kubernetes.io/name: {{ include "xdpguard.agent.name" . }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "xdpguard.operator.image" -}}
{{ .Values.operator.image.repository }}:{{ default .Chart.AppVersion .Values.operator.image.tag }}
{{- end -}}
{{- define "xdpguard.agent.image" -}}
{{ .Values.agent.image.repository }}:{{ default .Chart.AppVersion .Values.agent.image.tag }}
{{- end -}}
