//go:build tools

// The binary the harness builds from this module: the Barman Cloud plugin of CloudNativePG, which
// archives each database's WAL and takes its base backups into an S3-compatible object store. One
// binary is both the plugin's manager (its Deployment beside the operator) and the sidecar the
// plugin injects into every PostgreSQL instance (its `instance` command).
package tools

import _ "github.com/cloudnative-pg/plugin-barman-cloud/cmd/manager"
