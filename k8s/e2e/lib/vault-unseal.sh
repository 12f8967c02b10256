#!/usr/bin/env bash
# The harness's Vault (manifests/vault.yaml) initialised and unsealed as its operator does it: a
# server starts sealed, after install and after every restart, and only the unseal keys open it.
#
#   vault-unseal.sh init             once, on vault-0: five unseal keys, any three of which open a
#                                    seal, and the root token, into $VAULT_INIT; the other servers
#                                    then join vault-0 through their retry_join
#   vault-unseal.sh unseal [POD...]  every Vault server (or those named) that reports sealed, given
#                                    three keys: after init, a drained node's uncordon, a lost
#                                    node's return; then waits until each is unsealed and a voter
#                                    of the Raft cluster, and one server is active
#   vault-unseal.sh step-down        the active server hands the lead to another (as before
#                                    maintenance of its node); waits until one server is active
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

# in_vault POD ARGUMENTS...: the vault CLI in a server's pod, which has its address and CA.
in_vault() { local pod=$1; shift; "${KUBECTL[@]}" -n vault exec "$pod" -- vault "$@"; }

# vault status exits 0 when unsealed, 2 when sealed, 1 without an answer (as kubectl exec does
# when the pod is not running).
answering() { local status=0; in_vault "$1" status >/dev/null 2>&1 || status=$?; ((status != 1)); }
unsealed() { in_vault "$1" status >/dev/null 2>&1; }

# The StatefulSet's servers: vault-0 up to its replicas.
servers() {
  local replicas i
  replicas=$("${KUBECTL[@]}" -n vault get statefulset vault -o jsonpath='{.spec.replicas}')
  for ((i = 0; i < replicas; i++)); do echo "vault-$i"; done
}

init() {
  wait_for "vault-0 to answer" 300 answering vault-0
  # operator init -status exits 0 when initialised, 2 when not.
  local status=0 said
  said=$(in_vault vault-0 operator init -status 2>&1) || status=$?
  case $status in
    0) [[ -s $VAULT_INIT ]] || die "Vault is initialised, but its unseal keys and root token are not in $VAULT_INIT" ;;
    2)
      (umask 077 && in_vault vault-0 operator init -key-shares=5 -key-threshold=3 -format=json >"$VAULT_INIT.new")
      mv "$VAULT_INIT.new" "$VAULT_INIT"
      ;;
    *) die "vault-0 did not say whether Vault is initialised: $said" ;;
  esac
}

# The keys of as many holders as the threshold asks for, one a line.
unseal_keys() {
  node -e 'const init = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(init.unseal_keys_b64.slice(0, init.unseal_threshold).join("\n"))' "$VAULT_INIT"
}

# offer_keys POD: each key to the endpoint `vault operator unseal` calls, on the pod's stdin
# rather than a command line. A new server refuses them ("Vault is not initialized") until its
# retry_join has reached the leader; wait_for offers them again.
offer_keys() {
  local pod=$1 key keys
  mapfile -t keys < <(unseal_keys)
  for key in "${keys[@]}"; do
    printf '%s' "$key" | "${KUBECTL[@]}" -n vault exec -i "$pod" -- vault write sys/unseal key=- >/dev/null || return 1
  done
}

one_active() { [[ $("${KUBECTL[@]}" -n vault get pods -l "$VAULT_ACTIVE_SELECTOR" -o name | wc -l) == 1 ]]; }

# not_voters POD...: those the active server does not list as voters of the Raft cluster (a server
# joins as a non-voter; autopilot promotes it once it has kept up for a while).
not_voters() {
  local voters pod missing=()
  voters=$(vault_cli operator raft list-peers -format=json |
    node -e 'for (const s of JSON.parse(require("fs").readFileSync(0, "utf8")).data.config.servers) if (s.voter) console.log(s.node_id)') ||
    { echo "$* (the active server listed no peers)"; return 0; }
  for pod in "$@"; do grep -qxF "$pod" <<<"$voters" || missing+=("$pod"); done
  echo "${missing[*]}"
}

unseal() {
  [[ -s $VAULT_INIT ]] || die "no unseal keys in $VAULT_INIT (vault-unseal.sh init makes them)"
  local pods=("$@") pod
  ((${#pods[@]})) || mapfile -t pods < <(servers)
  for pod in "${pods[@]}"; do
    wait_for "$pod to answer" 300 answering "$pod"
    unsealed "$pod" && continue
    wait_for "$pod to take the unseal keys" 120 offer_keys "$pod"
    wait_for "$pod to be unsealed" 120 unsealed "$pod"
  done
  wait_for "one Vault server labelled active" 60 one_active
  local deadline=$((SECONDS + 120)) missing
  until missing=$(not_voters "${pods[@]}") && [[ -z $missing ]]; do
    ((SECONDS < deadline)) || die "timed out after 120s waiting for Vault's Raft cluster to count as voters: $missing"
    sleep 1
  done
  log "vault: ${pods[*]} unsealed and voters of the Raft cluster; $(vault_active_pod) active"
}

active_other_than() { one_active && [[ $(vault_active_pod) != "$1" ]]; }

step_down() {
  local was
  was=$(vault_active_pod)
  vault_cli operator step-down >/dev/null
  wait_for "another Vault server than $was active" 60 active_other_than "$was"
  log "vault: $(vault_active_pod) active (was $was)"
}

case ${1:-} in
  init) init ;;
  unseal) shift; unseal "$@" ;;
  step-down) step_down ;;
  *) die "usage: vault-unseal.sh init | unseal [POD...] | step-down" ;;
esac
