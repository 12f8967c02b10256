{{/* A value of an existing Secret (kept across upgrades), or a freshly generated one: (dict "ctx" $ "name" "..." "key" "..." "generate" "value"). */}}
{{- define "blog-platform.keptSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .name -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- .generate | b64enc -}}
{{- end -}}
{{- end -}}

{{/* A basic-auth Secret for a database role, as CloudNativePG's managed roles expect: (dict "ctx" $ "component" "user" "role" "app"). */}}
{{- define "blog-platform.dbRoleSecretObject" -}}
{{- if eq .ctx.Values.database.mode "cloudnativepg" }}
{{- $name := include "blog-platform.dbRoleSecret" . }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $name }}
  labels:
    {{- include "blog-platform.labels" .ctx | nindent 4 }}
    cnpg.io/reload: "true"
type: kubernetes.io/basic-auth
data:
  username: {{ printf "%s_%s" .component (ternary "app" "migrator" (eq .role "app")) | b64enc }}
  password: {{ include "blog-platform.keptSecretValue" (dict "ctx" .ctx "name" $name "key" "password" "generate" (randAlphaNum 40)) }}
{{- end }}
{{- end -}}
