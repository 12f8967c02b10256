//go:build tools

// The binary the harness builds from this module: kube-router, run with its network policy
// controller only. v2.1.0 is the one release the module proxy serves; the advisory reported
// against it (GHSA-phqm-jgc3-qf8g) is in the service proxy, which the harness does not run.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
