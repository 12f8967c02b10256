//go:build tools

// The binary the harness builds from this module: Traefik, the ingress controller (its
// ingress-nginx provider serves the chart's Ingress) and the Gateway API implementation.
// v3.6.15, because the v3.7 releases need modules the proxy does not serve.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
