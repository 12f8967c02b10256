//go:build tools

// The Kubernetes components the e2e harness builds. This module exists only to pin them: it
// requires k8s.io/kubernetes and replaces each staging module (v0.0.0 in its go.mod) with the
// matching published release, which is what lets `go build` use the module proxy.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
