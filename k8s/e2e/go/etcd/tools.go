//go:build tools

// The binary the harness builds from this module: etcd, the API server's store. Its main package
// is the server module itself, whose replace directives forbid `go install module@version`, so
// this module pins it instead.
package tools

import _ "go.etcd.io/etcd/server/v3"
