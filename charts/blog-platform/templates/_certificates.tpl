{{/* A cert-manager Certificate from the platform issuer: (dict "ctx" $ "name" "..." "commonName" "..." "dnsNames" (list ...) "usages" (list ...)). */}}
{{- define "blog-platform.certificate" -}}
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {{ .name }}
  labels:
    {{- include "blog-platform.labels" .ctx | nindent 4 }}
spec:
  secretName: {{ .name }}
  commonName: {{ .commonName }}
  dnsNames:
    {{- toYaml .dnsNames | nindent 4 }}
  duration: {{ .ctx.Values.certificates.duration }}
  renewBefore: {{ .ctx.Values.certificates.renewBefore }}
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Always
  usages:
    {{- toYaml .usages | nindent 4 }}
  issuerRef:
    name: {{ include "blog-platform.issuer" .ctx }}
    kind: Issuer
    group: cert-manager.io
{{- end -}}

{{/* DNS names of a Service inside the cluster. */}}
{{- define "blog-platform.serviceDnsNames" -}}
- {{ .name }}
- {{ printf "%s.%s" .name .ctx.Release.Namespace }}
- {{ printf "%s.%s.svc" .name .ctx.Release.Namespace }}
- {{ printf "%s.%s.svc.cluster.local" .name .ctx.Release.Namespace }}
{{- end -}}

{{/* The name the ingress controller verifies on every backend (a SAN both services carry). */}}
{{- define "blog-platform.backendName" -}}
{{- printf "%s-backend.%s.svc" (include "blog-platform.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/* A service's certificate, for mutual TLS: its common name is what peers are admitted by. */}}
{{- define "blog-platform.serviceCertificate" -}}
{{- $name := include "blog-platform.componentName" . -}}
{{- $dns := include "blog-platform.serviceDnsNames" (dict "ctx" .ctx "name" $name) | fromYamlArray -}}
{{- include "blog-platform.certificate" (dict "ctx" .ctx "name" (printf "%s-tls" $name) "commonName" .component "dnsNames" (append $dns (include "blog-platform.backendName" .ctx)) "usages" (list "digital signature" "key encipherment" "server auth" "client auth")) }}
{{- end -}}

{{/* A CloudNativePG cluster's server certificate. */}}
{{- define "blog-platform.dbCertificate" -}}
{{- if eq .ctx.Values.database.mode "cloudnativepg" }}
{{- $cluster := include "blog-platform.dbCluster" . -}}
{{- $dns := list -}}
{{- range $suffix := list "rw" "r" "ro" -}}
{{- $dns = concat $dns (include "blog-platform.serviceDnsNames" (dict "ctx" $.ctx "name" (printf "%s-%s" $cluster $suffix)) | fromYamlArray) -}}
{{- end -}}
{{- include "blog-platform.certificate" (dict "ctx" .ctx "name" (include "blog-platform.dbCaSecret" .) "commonName" (printf "%s-rw" $cluster) "dnsNames" $dns "usages" (list "digital signature" "key encipherment" "server auth")) }}
{{- end }}
{{- end -}}
