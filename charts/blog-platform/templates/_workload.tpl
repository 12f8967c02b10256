{{/* The pieces both services' workloads share; each resource still has its own template file. */}}

{{/* The Deployment of a service: (dict "ctx" $ "component" "user"). */}}
{{- define "blog-platform.deployment" -}}
{{- $ := .ctx -}}
{{- $c := .component -}}
{{- $v := index $.Values $c -}}
{{- $name := include "blog-platform.componentName" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "blog-platform.componentLabels" . | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  selector:
    matchLabels:
      {{- include "blog-platform.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "blog-platform.componentLabels" . | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9464"
        prometheus.io/path: /metrics
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "blog-platform.podSecurityContext" $ | nindent 8 }}
      # Longer than the service's own drain (readiness off for SHUTDOWN_GRACE_MS, then in-flight requests finish).
      terminationGracePeriodSeconds: 30
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: {{ $.Values.topologyKey }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "blog-platform.selector" . | nindent 14 }}
      containers:
        - name: {{ $c }}
          image: {{ include "blog-platform.image" . }}
          imagePullPolicy: {{ $.Values.images.pullPolicy }}
          ports:
            - { name: https, containerPort: 8443, protocol: TCP }
            - { name: internal, containerPort: 9443, protocol: TCP }
            - { name: metrics, containerPort: 9464, protocol: TCP }
          env:
            - { name: LOG_LEVEL, value: {{ $v.logLevel | quote }} }
            - { name: DATABASE_URL, value: {{ include "blog-platform.databaseUrl" (dict "ctx" $ "component" $c "role" "app") | quote }} }
            - { name: DATABASE_PASSWORD_FILE, value: /etc/blog-platform/db/password }
            - { name: TLS_CERT_FILE, value: /etc/blog-platform/tls/tls.crt }
            - { name: TLS_KEY_FILE, value: /etc/blog-platform/tls/tls.key }
            - { name: TLS_CA_FILE, value: /etc/blog-platform/tls/ca.crt }
            - { name: INTERNAL_ALLOWED_PEERS, value: {{ ternary "blog" "user" (eq $c "user") | quote }} }
            - { name: TRUSTED_PROXIES, value: {{ join "," $.Values.trustedProxies | quote }} }
            - { name: CORS_ALLOWED_ORIGINS, value: {{ join "," $.Values.corsAllowedOrigins | quote }} }
            - { name: SHUTDOWN_GRACE_MS, value: "5000" }
            - { name: METRICS_PORT, value: "9464" }
            {{- with $.Values.tracing.otlpEndpoint }}
            - { name: OTEL_EXPORTER_OTLP_ENDPOINT, value: {{ . | quote }} }
            - { name: OTEL_TRACES_SAMPLER_ARG, value: {{ $.Values.tracing.sampleRatio | quote }} }
            {{- end }}
            {{- if eq $c "user" }}
            - { name: JWT_SIGNING_KEY_FILE, value: /etc/blog-platform/jwt/signing.key }
            {{- if $.Values.secrets.jwtPreviousKey }}
            - { name: JWT_PREVIOUS_PUBLIC_KEY_FILES, value: /etc/blog-platform/jwt/previous.pub }
            {{- end }}
            - { name: FIELD_ENCRYPTION_KEYS_FILE, value: /etc/blog-platform/field-keys/keys.json }
            - { name: ADMIN_HANDLE, value: {{ $.Values.user.admin.handle | quote }} }
            - { name: ADMIN_PASSWORD_FILE, value: /etc/blog-platform/admin/password }
            - { name: BCRYPT_COST, value: {{ $.Values.user.bcryptCost | quote }} }
            - { name: ACCESS_TOKEN_TTL_SECONDS, value: {{ $.Values.user.accessTokenTtlSeconds | quote }} }
            - { name: REFRESH_TOKEN_TTL_SECONDS, value: {{ $.Values.user.refreshTokenTtlSeconds | quote }} }
            - { name: BLOG_SERVICE_URL, value: {{ printf "https://%s:9443" (include "blog-platform.componentName" (dict "ctx" $ "component" "blog")) | quote }} }
            {{- else }}
            - { name: USER_SERVICE_URL, value: {{ printf "https://%s:9443" (include "blog-platform.componentName" (dict "ctx" $ "component" "user")) | quote }} }
            {{- end }}
          volumeMounts:
            - { name: tls, mountPath: /etc/blog-platform/tls, readOnly: true }
            - { name: db-password, mountPath: /etc/blog-platform/db, readOnly: true }
            - { name: db-ca, mountPath: /etc/blog-platform/db-ca, readOnly: true }
            {{- if eq $c "user" }}
            - { name: jwt, mountPath: /etc/blog-platform/jwt, readOnly: true }
            - { name: field-keys, mountPath: /etc/blog-platform/field-keys, readOnly: true }
            - { name: admin, mountPath: /etc/blog-platform/admin, readOnly: true }
            {{- end }}
            - { name: tmp, mountPath: /tmp }
          startupProbe:
            httpGet: { path: /healthz, port: https, scheme: HTTPS }
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            httpGet: { path: /readyz, port: https, scheme: HTTPS }
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            httpGet: { path: /healthz, port: https, scheme: HTTPS }
            periodSeconds: 10
            failureThreshold: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "blog-platform.containerSecurityContext" $ | nindent 12 }}
      volumes:
        - name: tls
          secret: { secretName: {{ printf "%s-tls" $name }}, defaultMode: 0440 }
        - name: db-password
          secret:
            secretName: {{ include "blog-platform.dbRoleSecret" (dict "ctx" $ "component" $c "role" "app") }}
            defaultMode: 0440
            items: [{ key: password, path: password }]
        - name: db-ca
          secret:
            secretName: {{ include "blog-platform.dbCaSecret" (dict "ctx" $ "component" $c) }}
            defaultMode: 0440
            items: [{ key: ca.crt, path: ca.crt }]
        {{- if eq $c "user" }}
        - name: jwt
          secret: { secretName: {{ include "blog-platform.jwtSecret" $ }}, defaultMode: 0440 }
        - name: field-keys
          secret: { secretName: {{ include "blog-platform.fieldKeysSecret" $ }}, defaultMode: 0440 }
        - name: admin
          secret: { secretName: {{ include "blog-platform.adminSecret" $ }}, defaultMode: 0440 }
        {{- end }}
        - name: tmp
          emptyDir: { medium: Memory, sizeLimit: 16Mi }
{{- end -}}

{{/* The Service of a service: public HTTPS and the internal mutual-TLS port. */}}
{{- define "blog-platform.service" -}}
{{- $ := .ctx -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "blog-platform.componentName" . }}
  labels:
    {{- include "blog-platform.componentLabels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "blog-platform.selector" . | nindent 4 }}
  ports:
    - { name: https, port: 8443, targetPort: https, protocol: TCP, appProtocol: https }
    - { name: internal, port: 9443, targetPort: internal, protocol: TCP, appProtocol: https }
    - { name: metrics, port: 9464, targetPort: metrics, protocol: TCP, appProtocol: http }
{{- end -}}

{{- define "blog-platform.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  labels:
    {{- include "blog-platform.labels" .ctx | nindent 4 }}
# The services never call the Kubernetes API: no token in their pods.
automountServiceAccountToken: false
{{- end -}}

{{- define "blog-platform.hpa" -}}
{{- $v := index .ctx.Values .component -}}
{{- if $v.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "blog-platform.componentName" . }}
  labels:
    {{- include "blog-platform.labels" .ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "blog-platform.componentName" . }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: { type: Utilization, averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }} }
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
{{- end -}}

{{- define "blog-platform.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "blog-platform.componentName" . }}
  labels:
    {{- include "blog-platform.labels" .ctx | nindent 4 }}
spec:
  minAvailable: {{ (index .ctx.Values .component).minAvailable }}
  selector:
    matchLabels:
      {{- include "blog-platform.selector" . | nindent 6 }}
{{- end -}}

{{/* The migration Job of a service, run with the migration role. */}}
{{- define "blog-platform.migrationJob" -}}
{{- $ := .ctx -}}
{{- $c := .component -}}
{{- if $.Values.migrations.enabled }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ printf "%s-migrate" (include "blog-platform.componentName" .) }}
  labels:
    {{- include "blog-platform.componentLabels" (dict "ctx" $ "component" (printf "%s-migrations" $c)) | nindent 4 }}
  annotations:
    # Before every upgrade. On first install a bundled CloudNativePG cluster only exists after the
    # release's resources, so the Job runs right after them; an external database exists before.
    helm.sh/hook: {{ ternary "pre-install,pre-upgrade" "post-install,pre-upgrade" (eq $.Values.database.mode "external") }}
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $.Values.migrations.backoffLimit }}
  activeDeadlineSeconds: 900
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels:
        {{- include "blog-platform.componentLabels" (dict "ctx" $ "component" (printf "%s-migrations" $c)) | nindent 8 }}
    spec:
      restartPolicy: OnFailure
      serviceAccountName: {{ printf "%s-migrations" (include "blog-platform.fullname" $) }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "blog-platform.podSecurityContext" $ | nindent 8 }}
      containers:
        - name: migrate
          image: {{ include "blog-platform.image" . }}
          imagePullPolicy: {{ $.Values.images.pullPolicy }}
          args: [{{ printf "services/%s/dist/commands/migrate.js" $c | quote }}]
          env:
            - { name: MIGRATION_DATABASE_URL, value: {{ include "blog-platform.databaseUrl" (dict "ctx" $ "component" $c "role" "migrator") | quote }} }
            - { name: MIGRATION_DATABASE_PASSWORD_FILE, value: /etc/blog-platform/db/password }
          volumeMounts:
            - { name: db-password, mountPath: /etc/blog-platform/db, readOnly: true }
            - { name: db-ca, mountPath: /etc/blog-platform/db-ca, readOnly: true }
          resources:
            requests: { cpu: 50m, memory: 96Mi }
            limits: { cpu: 500m, memory: 256Mi }
          securityContext:
            {{- include "blog-platform.containerSecurityContext" $ | nindent 12 }}
      volumes:
        - name: db-password
          secret:
            secretName: {{ include "blog-platform.dbRoleSecret" (dict "ctx" $ "component" $c "role" "migrator") }}
            defaultMode: 0440
            items: [{ key: password, path: password }]
        - name: db-ca
          secret:
            secretName: {{ include "blog-platform.dbCaSecret" (dict "ctx" $ "component" $c) }}
            defaultMode: 0440
            items: [{ key: ca.crt, path: ca.crt }]
{{- end }}
{{- end -}}
