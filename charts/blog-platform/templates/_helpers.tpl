{{/* Names, labels and shared pieces of the blog-platform chart. */}}

{{- define "blog-platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "blog-platform.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "blog-platform.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "blog-platform.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object, but for the selector labels. */}}
{{- define "blog-platform.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: blog-platform
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Labels of an object that belongs to the release as a whole. */}}
{{- define "blog-platform.labels" -}}
{{ include "blog-platform.baseLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of an object of one component: (dict "ctx" $ "component" "user"). */}}
{{- define "blog-platform.componentLabels" -}}
{{ include "blog-platform.baseLabels" .ctx }}
{{ include "blog-platform.selector" . }}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "user"). */}}
{{- define "blog-platform.selector" -}}
app.kubernetes.io/name: {{ include "blog-platform.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
The release's services as a JSON list: the two API services, each with its own database and an
internal mutual-TLS port, and the site (web) when it is enabled, which has neither.
*/}}
{{/*
The most connections a service's pods open to its database at once: its most replicas (the HPA's
ceiling, or replicaCount), one more surging in a rolling update, each with database.poolSize.
(dict "ctx" $ "component" "user")
*/}}
{{- define "blog-platform.databaseConnections" -}}
{{- $v := index .ctx.Values .component -}}
{{- $pods := ternary $v.autoscaling.maxReplicas $v.replicaCount $v.autoscaling.enabled -}}
{{- mul (add $pods 1) .ctx.Values.database.poolSize -}}
{{- end -}}

{{- define "blog-platform.services" -}}
{{- $services := list "user" "blog" -}}
{{- if .Values.web.enabled -}}
{{- if eq .Values.web.host .Values.publicHost -}}
{{- fail "web.host must differ from publicHost: the site needs an origin of its own, so that its cookie never reaches the API" -}}
{{- end -}}
{{- $services = append $services "web" -}}
{{- end -}}
{{- toJson $services -}}
{{- end -}}

{{- define "blog-platform.componentName" -}}
{{- printf "%s-%s" (include "blog-platform.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The image of a service: name:tag, and @digest after it when a digest is given (the digest pins it). */}}
{{- define "blog-platform.image" -}}
{{- $images := .ctx.Values.images -}}
{{- $tag := index $images (printf "%sTag" .component) | default $images.tag -}}
{{- $digest := index $images (printf "%sDigest" .component) -}}
{{- include "blog-platform.imageReference" (dict "name" (printf "%s/%s-service" $images.repository .component) "tag" $tag "digest" $digest) -}}
{{- end -}}

{{/* name:tag, or name:tag@digest. */}}
{{- define "blog-platform.imageReference" -}}
{{- printf "%s:%s" .name .tag -}}{{- with .digest -}}@{{ . }}{{- end -}}
{{- end -}}

{{/* The restricted Pod Security Standard, plus a read-only root filesystem. */}}
{{- define "blog-platform.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "blog-platform.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Names of the secrets and clusters, in one place. */}}
{{- define "blog-platform.jwtSecret" -}}
{{- .Values.secrets.jwtExistingSecret | default (printf "%s-jwt" (include "blog-platform.fullname" .)) -}}
{{- end -}}
{{- define "blog-platform.sessionKeysSecret" -}}
{{- .Values.secrets.sessionKeysExistingSecret | default (printf "%s-session-keys" (include "blog-platform.fullname" .)) -}}
{{- end -}}

{{- define "blog-platform.fieldKeysSecret" -}}
{{- .Values.secrets.fieldKeysExistingSecret | default (printf "%s-field-keys" (include "blog-platform.fullname" .)) -}}
{{- end -}}
{{- define "blog-platform.adminSecret" -}}
{{- .Values.user.admin.existingSecret | default (printf "%s-admin" (include "blog-platform.fullname" .)) -}}
{{- end -}}
{{- define "blog-platform.dbCluster" -}}
{{- printf "%s-%s-db" (include "blog-platform.fullname" .ctx) .component | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- define "blog-platform.issuer" -}}
{{- printf "%s-issuer" (include "blog-platform.fullname" .) -}}
{{- end -}}

{{/* The secret with a database role's username and password: (dict "ctx" $ "component" "user" "role" "app"). */}}
{{- define "blog-platform.dbRoleSecret" -}}
{{- if eq .ctx.Values.database.mode "external" -}}
{{- $db := index .ctx.Values.database.external .component -}}
{{- ternary $db.appSecret $db.migratorSecret (eq .role "app") -}}
{{- else -}}
{{- printf "%s-%s" (include "blog-platform.dbCluster" .) .role -}}
{{- end -}}
{{- end -}}

{{/* Host, port and database name of a service's database. */}}
{{- define "blog-platform.dbHost" -}}
{{- if eq .ctx.Values.database.mode "external" -}}
{{- (index .ctx.Values.database.external .component).host -}}
{{- else -}}
{{- printf "%s-rw" (include "blog-platform.dbCluster" .) -}}
{{- end -}}
{{- end -}}
{{- define "blog-platform.dbPort" -}}
{{- if eq .ctx.Values.database.mode "external" -}}{{ (index .ctx.Values.database.external .component).port }}{{- else -}}5432{{- end -}}
{{- end -}}
{{- define "blog-platform.dbName" -}}
{{- if eq .ctx.Values.database.mode "external" -}}{{ (index .ctx.Values.database.external .component).database }}{{- else -}}{{ printf "%sdb" .component }}{{- end -}}
{{- end -}}
{{- define "blog-platform.dbSslMode" -}}
{{- if eq .ctx.Values.database.mode "external" -}}{{ .ctx.Values.database.external.sslMode }}{{- else -}}verify-full{{- end -}}
{{- end -}}

{{/*
The database URL of a role, without its password: the password is a file from the role's
Secret (DATABASE_PASSWORD_FILE), never an environment value. (dict "ctx" $ "component" "user" "role" "app")
*/}}
{{- define "blog-platform.databaseUrl" -}}
{{- printf "postgresql://%s_%s@%s:%s/%s?sslmode=%s&sslrootcert=/etc/blog-platform/db-ca/ca.crt" .component (ternary "app" "migrator" (eq .role "app")) (include "blog-platform.dbHost" .) (include "blog-platform.dbPort" .) (include "blog-platform.dbName" .) (include "blog-platform.dbSslMode" .) -}}
{{- end -}}

{{/* The URL of a service's database standbys (CloudNativePG's `-ro` Service) as its application role, without a password. */}}
{{- define "blog-platform.standbyDatabaseUrl" -}}
{{- printf "postgresql://%s_app@%s-ro:5432/%s?sslmode=verify-full&sslrootcert=/etc/blog-platform/db-ca/ca.crt" .component (include "blog-platform.dbCluster" .) (include "blog-platform.dbName" .) -}}
{{- end -}}

{{/* The Secret holding the CA that signed the database server's certificate (key ca.crt). */}}
{{- define "blog-platform.dbCaSecret" -}}
{{- if eq .ctx.Values.database.mode "external" -}}
{{- .ctx.Values.database.external.caSecret -}}
{{- else -}}
{{- printf "%s-server-tls" (include "blog-platform.dbCluster" .) -}}
{{- end -}}
{{- end -}}

{{/* A value of an existing Secret (kept across upgrades), or a freshly generated one: (dict "ctx" $ "name" "..." "key" "..." "generate" "value"). */}}
{{- define "blog-platform.keptSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .name -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- .generate | b64enc -}}
{{- end -}}
{{- end -}}

{{/* The name the ingress controller verifies on every backend (a SAN both services carry). */}}
{{- define "blog-platform.backendName" -}}
{{- printf "%s-backend.%s.svc" (include "blog-platform.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/*
Every certificate of the release as a YAML list of {name, commonName, dnsNames, usages}: the
Certificates cert-manager issues, or the Secrets to provide with issuer existingSecrets.
*/}}
{{- define "blog-platform.certificates" -}}
{{- $fullname := include "blog-platform.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- $server := list "digital signature" "key encipherment" "server auth" }}
{{- $certificates := list }}
{{- range $c := include "blog-platform.services" $ | fromJsonArray }}
{{- $ctx := dict "ctx" $ "component" $c }}
{{- $name := include "blog-platform.componentName" $ctx }}
{{- $dns := list $name (printf "%s.%s" $name $ns) (printf "%s.%s.svc" $name $ns) (printf "%s.%s.svc.cluster.local" $name $ns) (include "blog-platform.backendName" $) }}
{{- $certificates = append $certificates (dict "name" (printf "%s-tls" $name) "commonName" $c "dnsNames" $dns "usages" (concat $server (list "client auth"))) }}
{{- if and (ne $c "web") (eq $.Values.database.mode "cloudnativepg") }}
{{- $cluster := include "blog-platform.dbCluster" $ctx }}
{{- $dbDns := list }}
{{- range $suffix := list "rw" "r" "ro" }}
{{- $service := printf "%s-%s" $cluster $suffix }}
{{- $dbDns = concat $dbDns (list $service (printf "%s.%s" $service $ns) (printf "%s.%s.svc" $service $ns) (printf "%s.%s.svc.cluster.local" $service $ns)) }}
{{- end }}
{{- $certificates = append $certificates (dict "name" (include "blog-platform.dbCaSecret" $ctx) "commonName" (printf "%s-rw" $cluster) "dnsNames" $dbDns "usages" $server) }}
{{- end }}
{{- end }}
{{- $certificates = append $certificates (dict "name" (printf "%s-public-tls" $fullname) "commonName" .Values.publicHost "dnsNames" (list .Values.publicHost) "usages" $server) }}
{{- if .Values.web.enabled }}
{{- $certificates = append $certificates (dict "name" (printf "%s-site-tls" $fullname) "commonName" .Values.web.host "dnsNames" (list .Values.web.host) "usages" $server) }}
{{- end }}
{{- if .Values.ingress.enabled }}
{{- $certificates = append $certificates (dict "name" (printf "%s-ingress-upstream" $fullname) "commonName" "ingress" "dnsNames" (list (printf "%s-ingress.%s.svc" $fullname $ns)) "usages" (list "digital signature" "key encipherment" "client auth")) }}
{{- end }}
{{ toYaml $certificates }}
{{- end }}

{{/*
60% of a memory quantity in MiB (the V8 heap limit for that container limit), or nothing when
the quantity is not whole Mi, Gi, M or G.
*/}}
{{- define "blog-platform.heapMiB" -}}
{{- $q := toString . -}}
{{- $mib := 0 -}}
{{- if regexMatch "^[0-9]+Gi$" $q }}{{ $mib = mul (trimSuffix "Gi" $q | atoi) 1024 }}
{{- else if regexMatch "^[0-9]+Mi$" $q }}{{ $mib = trimSuffix "Mi" $q | atoi }}
{{- else if regexMatch "^[0-9]+G$" $q }}{{ $mib = div (mul (trimSuffix "G" $q | atoi) 1000000000) 1048576 }}
{{- else if regexMatch "^[0-9]+M$" $q }}{{ $mib = div (mul (trimSuffix "M" $q | atoi) 1000000) 1048576 }}
{{- end }}
{{- if gt $mib 0 }}{{ div (mul $mib 6) 10 }}{{ end -}}
{{- end }}

{{/* The folder a database archives in, under backup.s3.destinationPath: (dict "ctx" $ "component" "user"). */}}
{{- define "blog-platform.backupServerName" -}}
{{- (index .ctx.Values.backup.serverNames .component) | default (include "blog-platform.dbCluster" .) -}}
{{- end -}}
{{/* One ObjectStore per database (each keeps its own recovery window in its status): (dict "ctx" $ "component" "user"). */}}
{{- define "blog-platform.backupObjectStore" -}}
{{- printf "%s-backup" (include "blog-platform.dbCluster" .) -}}
{{- end -}}
{{- define "blog-platform.backupCredentialsSecret" -}}
{{- .Values.backup.s3.existingSecret | default (printf "%s-backup-s3" (include "blog-platform.fullname" .)) -}}
{{- end -}}
{{/* Backups are on only for the bundled databases. */}}
{{- define "blog-platform.backupEnabled" -}}
{{- if and .Values.backup.enabled (eq .Values.database.mode "cloudnativepg") -}}true{{- end -}}
{{- end -}}
