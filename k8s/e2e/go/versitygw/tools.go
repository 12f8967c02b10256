//go:build tools

// The binary the harness builds from this module: versitygw, an S3-compatible object store over a
// plain directory, the store the harness gives the databases' backups (a user brings their own).
package tools

import _ "github.com/versity/versitygw/cmd/versitygw"
