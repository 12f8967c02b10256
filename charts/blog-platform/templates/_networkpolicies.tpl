{{/* A peer outside the release namespace: (dict "namespace" "..." "podLabels" (dict ...)). */}}
{{- define "blog-platform.externalPeer" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace }}
  podSelector:
    matchLabels:
      {{- toYaml .podLabels | nindent 6 }}
{{- end -}}

{{- define "blog-platform.podsOf" -}}
- podSelector:
    matchLabels:
      {{- include "blog-platform.selector" . | nindent 6 }}
{{- end -}}

{{/* Where a service (or its migrations) reaches its database on 5432. */}}
{{- define "blog-platform.databaseEgress" -}}
{{- if eq .ctx.Values.database.mode "cloudnativepg" -}}
- to:
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ include "blog-platform.dbCluster" . }}
  ports: [{ protocol: TCP, port: 5432 }]
{{- else -}}
- to:
    {{- range .ctx.Values.database.external.cidrs }}
    - ipBlock: { cidr: {{ . }} }
    {{- end }}
  ports: [{ protocol: TCP, port: {{ (index .ctx.Values.database.external .component).port }} }]
{{- end }}
{{- end -}}

{{/* The policy of a service's pods: who may call it, and what it may call. */}}
{{- define "blog-platform.serviceNetworkPolicy" -}}
{{- $ := .ctx -}}
{{- $peer := ternary "blog" "user" (eq .component "user") -}}
{{- if $.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "blog-platform.componentName" . }}
  labels:
    {{- include "blog-platform.labels" $ | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "blog-platform.selector" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    # The public API, from the ingress controller (or the Gateway) only.
    - from:
        {{- include "blog-platform.externalPeer" $.Values.networkPolicy.ingressController | nindent 8 }}
      ports: [{ protocol: TCP, port: 8443 }]
    # Metrics, from Prometheus only.
    - from:
        {{- include "blog-platform.externalPeer" $.Values.networkPolicy.prometheus | nindent 8 }}
      ports: [{ protocol: TCP, port: 9464 }]
    # The internal mutual-TLS API, from the other service only.
    - from:
        {{- include "blog-platform.podsOf" (dict "ctx" $ "component" $peer) | nindent 8 }}
      ports: [{ protocol: TCP, port: 9443 }]
  egress:
    - to:
        {{- include "blog-platform.podsOf" (dict "ctx" $ "component" $peer) | nindent 8 }}
      ports: [{ protocol: TCP, port: 9443 }]
    {{- include "blog-platform.databaseEgress" . | nindent 4 }}
    {{- if $.Values.tracing.otlpEndpoint }}
    - to:
        {{- include "blog-platform.externalPeer" (dict "namespace" $.Values.tracing.collectorNamespace "podLabels" $.Values.tracing.collectorPodLabels) | nindent 8 }}
      ports: [{ protocol: TCP, port: {{ $.Values.tracing.collectorPort }} }]
    {{- end }}
{{- end }}
{{- end -}}

{{- define "blog-platform.migrationsNetworkPolicy" -}}
{{- if and .ctx.Values.networkPolicy.enabled .ctx.Values.migrations.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ printf "%s-migrations" (include "blog-platform.componentName" .) }}
  labels:
    {{- include "blog-platform.labels" .ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "blog-platform.selector" (dict "ctx" .ctx "component" (printf "%s-migrations" .component)) | nindent 6 }}
  policyTypes: [Ingress, Egress]
  egress:
    {{- include "blog-platform.databaseEgress" . | nindent 4 }}
{{- end }}
{{- end -}}

{{/* A CloudNativePG cluster: its service and migrations in, replication among its instances, the operator, the API server out. */}}
{{- define "blog-platform.databaseNetworkPolicy" -}}
{{- $ := .ctx -}}
{{- if and $.Values.networkPolicy.enabled (eq $.Values.database.mode "cloudnativepg") }}
{{- $cluster := include "blog-platform.dbCluster" . }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $cluster }}
  labels:
    {{- include "blog-platform.labels" $ | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      cnpg.io/cluster: {{ $cluster }}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        {{- include "blog-platform.podsOf" . | nindent 8 }}
        {{- include "blog-platform.podsOf" (dict "ctx" $ "component" (printf "%s-migrations" .component)) | nindent 8 }}
      ports: [{ protocol: TCP, port: 5432 }]
    - from:
        - podSelector:
            matchLabels:
              cnpg.io/cluster: {{ $cluster }}
      ports: [{ protocol: TCP, port: 5432 }, { protocol: TCP, port: 8000 }]
    - from:
        {{- include "blog-platform.externalPeer" $.Values.networkPolicy.cnpgOperator | nindent 8 }}
      ports: [{ protocol: TCP, port: 5432 }, { protocol: TCP, port: 8000 }]
  egress:
    - to:
        - podSelector:
            matchLabels:
              cnpg.io/cluster: {{ $cluster }}
      ports: [{ protocol: TCP, port: 5432 }, { protocol: TCP, port: 8000 }]
    # The instance manager watches its Cluster through the Kubernetes API.
    - to:
        {{- range $.Values.networkPolicy.kubeApiServerCidrs }}
        - ipBlock: { cidr: {{ . }} }
        {{- end }}
      ports: [{ protocol: TCP, port: {{ $.Values.networkPolicy.kubeApiServerPort }} }, { protocol: TCP, port: 443 }]
{{- end }}
{{- end -}}
