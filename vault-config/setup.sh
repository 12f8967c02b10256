#!/usr/bin/env bash
# Configures Vault for the blog platform; idempotent, safe to run again.
#   - a root PKI mount (pki) and an intermediate (pki_int) signed by it
#   - the role cert-manager signs with (pki_int/sign/blog-platform), limited to the platform's names
#   - the policy allowing exactly that, and the Kubernetes auth role for the issuer's service account
# Runs the vault CLI inside the Vault pod (kubectl exec), so nothing but kubectl is needed here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAULT_NAMESPACE="${VAULT_NAMESPACE:-vault}"
VAULT_POD="${VAULT_POD:-vault-0}"
VAULT_TOKEN="${VAULT_TOKEN:-root}"
PLATFORM_NAMESPACE="${PLATFORM_NAMESPACE:-blog}"
RELEASE="${RELEASE:-blog}"
PUBLIC_HOST="${PUBLIC_HOST:-blog.localtest.me}"
# The site's host (the chart's web.host).
SITE_HOST="${SITE_HOST:-www.${PUBLIC_HOST}}"
# The kube-context to reach Vault through (empty: kubectl's own choice, as the e2e harness's
# kubeconfig has only one); make cluster always names it.
KUBE_CONTEXT="${KUBE_CONTEXT:-}"
# The chart's fullname: the release name alone when it already contains the chart's name.
if [[ ${RELEASE} == *blog-platform* ]]; then FULLNAME="${RELEASE}"; else FULLNAME="${RELEASE}-blog-platform"; fi
ISSUER_SERVICE_ACCOUNT="${FULLNAME}-vault-issuer"
ISSUER_NAME="${FULLNAME}-issuer"
# The Services' short names, which the certificates carry besides their namespaced names.
SHORT_NAMES="${FULLNAME}-user,${FULLNAME}-blog,${FULLNAME}-web"
for db in user blog; do
  for suffix in rw r ro; do SHORT_NAMES+=",${FULLNAME}-${db}-db-${suffix}"; done
done

vault() {
  kubectl ${KUBE_CONTEXT:+--context "${KUBE_CONTEXT}"} exec -i -n "${VAULT_NAMESPACE}" "${VAULT_POD}" -- env VAULT_TOKEN="${VAULT_TOKEN}" vault "$@"
}

enabled() {
  vault secrets list -format=json | grep -q "\"$1/\""
}

if ! enabled pki; then
  vault secrets enable pki
  vault secrets tune -max-lease-ttl=87600h pki
fi
if ! vault read -field=certificate pki/cert/ca >/dev/null 2>&1; then
  vault write -field=certificate pki/root/generate/internal common_name="blog-platform root CA" key_type=ec key_bits=256 ttl=87600h >/dev/null
fi
vault write pki/config/urls issuing_certificates="http://vault.${VAULT_NAMESPACE}.svc:8200/v1/pki/ca" crl_distribution_points="http://vault.${VAULT_NAMESPACE}.svc:8200/v1/pki/crl" >/dev/null

if ! enabled pki_int; then
  vault secrets enable -path=pki_int pki
  vault secrets tune -max-lease-ttl=43800h pki_int
fi
if ! vault read -field=certificate pki_int/cert/ca >/dev/null 2>&1; then
  csr="$(vault write -field=csr pki_int/intermediate/generate/internal common_name="blog-platform intermediate CA" key_type=ec key_bits=256)"
  signed="$(printf '%s\n' "${csr}" | vault write -field=certificate pki/root/sign-intermediate csr=- format=pem_bundle ttl=43800h)"
  printf '%s\n' "${signed}" | vault write pki_int/intermediate/set-signed certificate=- >/dev/null
fi

# Short-lived ECDSA certificates for the services (CN user/blog/web: what peers are admitted by),
# their cluster DNS names, the databases, the public host and the site's host; nothing else.
vault write pki_int/roles/blog-platform \
  allowed_domains="user,blog,web,ingress,${SHORT_NAMES},${PLATFORM_NAMESPACE},${PLATFORM_NAMESPACE}.svc,${PLATFORM_NAMESPACE}.svc.cluster.local,${PUBLIC_HOST},${SITE_HOST}" \
  allowed_domains_template=false allow_bare_domains=true allow_subdomains=true allow_glob_domains=false \
  allow_localhost=false allow_ip_sans=false enforce_hostnames=false \
  key_type=ec key_bits=256 server_flag=true client_flag=true \
  max_ttl=72h ttl=24h require_cn=false >/dev/null

vault policy write blog-platform-pki - < "${here}/policies/blog-platform-pki.hcl"

if ! vault auth list -format=json | grep -q '"kubernetes/"'; then
  vault auth enable kubernetes
fi
vault write auth/kubernetes/config kubernetes_host="https://kubernetes.default.svc:443" >/dev/null
# cert-manager presents a token of the issuer's service account with this audience.
vault write auth/kubernetes/role/blog-platform-issuer \
  bound_service_account_names="${ISSUER_SERVICE_ACCOUNT}" \
  bound_service_account_namespaces="${PLATFORM_NAMESPACE}" \
  audience="vault://${PLATFORM_NAMESPACE}/${ISSUER_NAME}" \
  token_policies=blog-platform-pki token_ttl=10m >/dev/null
echo "vault configured: pki, pki_int, role blog-platform, policy blog-platform-pki, kubernetes auth role blog-platform-issuer"
