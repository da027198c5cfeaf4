{{/*
Names, labels and the few computed values every template shares. Defined once here.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "kruise-agents.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name prefix of every resource: fullnameOverride, else the release name, followed by the chart
name unless the release name already contains it. Truncated so that suffixed names stay within
63 characters.
*/}}
{{- define "kruise-agents.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "kruise-agents.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kruise-agents.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kruise-agents
{{- end }}

{{/* Labels that select the release's objects. */}}
{{- define "kruise-agents.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kruise-agents.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component's objects; call with (dict "ctx" $ "component" "manager"). */}}
{{- define "kruise-agents.componentLabels" -}}
{{ include "kruise-agents.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels that select one component's pods; call with (dict "ctx" $ "component" "manager"). */}}
{{- define "kruise-agents.componentSelectorLabels" -}}
{{ include "kruise-agents.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The controller's ServiceAccount. */}}
{{- define "kruise-agents.controller.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create }}
{{- default (printf "%s-controller" (include "kruise-agents.fullname" .)) .Values.controller.serviceAccount.name }}
{{- else }}
{{- required "controller.serviceAccount.name is required when controller.serviceAccount.create is false" .Values.controller.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The manager's ServiceAccount. */}}
{{- define "kruise-agents.manager.serviceAccountName" -}}
{{- if .Values.manager.serviceAccount.create }}
{{- default (printf "%s-manager" (include "kruise-agents.fullname" .)) .Values.manager.serviceAccount.name }}
{{- else }}
{{- required "manager.serviceAccount.name is required when manager.serviceAccount.create is false" .Values.manager.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The node agent's ServiceAccount. */}}
{{- define "kruise-agents.nodeAgent.serviceAccountName" -}}
{{- if .Values.nodeAgent.serviceAccount.create }}
{{- default (printf "%s-node-agent" (include "kruise-agents.fullname" .)) .Values.nodeAgent.serviceAccount.name }}
{{- else }}
{{- required "nodeAgent.serviceAccount.name is required when nodeAgent.serviceAccount.create is false" .Values.nodeAgent.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Lease the controller replicas elect their leader with. */}}
{{- define "kruise-agents.controller.leaseName" -}}
{{- default (printf "%s-controller" (include "kruise-agents.fullname" .)) .Values.controller.leaderElection.id }}
{{- end }}

{{/* The Secret with the token key. */}}
{{- define "kruise-agents.tokenKeySecretName" -}}
{{- default (printf "%s-token-key" (include "kruise-agents.fullname" .)) .Values.tokenKey.existingSecret }}
{{- end }}

{{/* The Secret with the API keys file. */}}
{{- define "kruise-agents.apiKeysSecretName" -}}
{{- default (printf "%s-api-keys" (include "kruise-agents.fullname" .)) .Values.apiKeys.existingSecret }}
{{- end }}

{{/* An image reference; call with (dict "ctx" $ "image" .Values.manager.image). */}}
{{- define "kruise-agents.image" -}}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag) }}
{{- end }}

{{/*
The token key (base64 of 32 random bytes), base64-encoded again as Secret data: the stored one when
the Secret exists (an upgrade), else a new one (an install, and every offline `helm template`).
*/}}
{{- define "kruise-agents.tokenKeyData" -}}
{{- $stored := lookup "v1" "Secret" .Release.Namespace (include "kruise-agents.tokenKeySecretName" .) }}
{{- default (randBytes 32 | b64enc) (dig "data" .Values.tokenKey.secretKey "" $stored) }}
{{- end }}

{{/* Scheduling fields of a pod spec; call with a component's values (.Values.manager). */}}
{{- define "kruise-agents.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
