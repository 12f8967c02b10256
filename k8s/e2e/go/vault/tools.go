//go:build tools

// The binary the harness builds from this module: Vault's server and CLI.
package tools

import _ "github.com/hashicorp/vault"
