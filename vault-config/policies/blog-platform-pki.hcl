# What cert-manager's issuer for the blog platform may do in Vault: sign certificate requests
# with the blog-platform role of the intermediate mount, and nothing else.
path "pki_int/sign/blog-platform" {
  capabilities = ["create", "update"]
}
