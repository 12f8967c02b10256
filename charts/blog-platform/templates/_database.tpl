{{/* A CloudNativePG cluster for one service: (dict "ctx" $ "component" "user"). */}}
{{- define "blog-platform.dbClusterObject" -}}
{{- $ := .ctx -}}
{{- $c := .component -}}
{{- $pg := $.Values.database.cloudnativepg -}}
{{- if eq $.Values.database.mode "cloudnativepg" }}
{{- $cluster := include "blog-platform.dbCluster" . }}
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: {{ $cluster }}
  labels:
    {{- include "blog-platform.labels" $ | nindent 4 }}
spec:
  instances: {{ $pg.instances }}
  imageName: {{ $pg.imageName }}
  primaryUpdateStrategy: unsupervised
  enableSuperuserAccess: false
  storage:
    size: {{ $pg.storageSize }}
    {{- with $pg.storageClass }}
    storageClass: {{ . }}
    {{- end }}
  # One instance per node where the cluster has enough nodes (kind has one).
  affinity:
    enablePodAntiAffinity: true
    topologyKey: {{ $.Values.topologyKey }}
    podAntiAffinityType: preferred
  inheritedMetadata:
    labels:
      {{- include "blog-platform.selector" (dict "ctx" $ "component" (printf "%s-db" $c)) | nindent 6 }}
  postgresql:
    synchronous:
      method: any
      number: {{ $pg.synchronousStandbys }}
    pg_hba:
      # TLS only, with SCRAM passwords.
      - hostnossl all all 0.0.0.0/0 reject
      - hostnossl all all ::/0 reject
      - hostssl all all all scram-sha-256
  # The server certificate comes from the platform's issuer (Vault), like every other.
  certificates:
    serverTLSSecret: {{ include "blog-platform.dbCaSecret" . }}
    serverCASecret: {{ include "blog-platform.dbCaSecret" . }}
  bootstrap:
    initdb:
      database: {{ include "blog-platform.dbName" . }}
      # The migration role owns the database and its schema.
      owner: {{ printf "%s_migrator" $c }}
      secret:
        name: {{ include "blog-platform.dbRoleSecret" (dict "ctx" $ "component" $c "role" "migrator") }}
  managed:
    roles:
      # What the service connects as: no superuser, no role or database creation; its table
      # privileges are the GRANTs in the service's migrations.
      - name: {{ printf "%s_app" $c }}
        ensure: present
        login: true
        superuser: false
        createdb: false
        createrole: false
        inherit: true
        replication: false
        bypassrls: false
        connectionLimit: 50
        passwordSecret:
          name: {{ include "blog-platform.dbRoleSecret" (dict "ctx" $ "component" $c "role" "app") }}
{{- end }}
{{- end -}}
