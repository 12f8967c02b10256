//go:build tools

// The binary the harness builds from this module: metrics-server, which gives the
// HorizontalPodAutoscalers their CPU metric (the kind and minikube paths install its chart,
// METRICS_SERVER_CHART, whose app version is this one).
package tools

import _ "sigs.k8s.io/metrics-server/cmd/metrics-server"
