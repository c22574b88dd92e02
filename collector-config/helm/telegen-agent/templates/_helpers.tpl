{{- define "telegen-agent.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{- define "telegen-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "telegen-agent.labels" -}}
app.kubernetes.io/name: {{ include "telegen-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "telegen-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "telegen-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The agent's configuration: what the mounts need, merged under the user's agentConfig. */}}
{{- define "telegen-agent.config" -}}
{{- $base := dict
  "proc_root" "/host/proc"
  "exporter" (dict
    "endpoint" (default "127.0.0.1:4317" .Values.exporterEndpoint)
    "queue" (dict "directory" "/var/lib/telegen/queue"))
  "receiver" (dict "endpoint" (printf "0.0.0.0:%d" (int .Values.receiver.port)))
  "gpu" (dict "sys_root" "/host/sys" "nccl_dir" .Values.ncclDir)
  "kubernetes" (dict
    "pod_resources_socket" "/var/lib/kubelet/pod-resources/kubelet.sock"
    "cri_socket" .Values.criSocket) -}}
{{- $merged := mergeOverwrite $base (deepCopy .Values.agentConfig) -}}
{{- toYaml (dict "agent" $merged) -}}
{{- end -}}
