//go:build tools

// The binary the harness builds from this module: CloudNativePG's manager, which is the
// operator and, copied into every PostgreSQL pod, the instance manager.
package tools

import _ "github.com/cloudnative-pg/cloudnative-pg/cmd/manager"
