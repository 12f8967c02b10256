#!/usr/bin/env bash
# Builds (or finds in the cache) every binary the cluster runs: the Kubernetes components from
# their Go modules, etcd from Debian 13's package, CoreDNS from its module, and the pause program.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

build_kubernetes() {
  local components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
  local missing=()
  for c in "${components[@]}"; do [[ -x $KUBE_BIN/$c ]] || missing+=("$c"); done
  ((${#missing[@]})) || { log "kubernetes $KUBERNETES_VERSION: cached in $KUBE_BIN"; return; }
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  # Without these the components report v0.0.0 and the chart's kubeVersion check refuses them.
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  mkdir -p "$KUBE_BIN.partial"
  log "building ${missing[*]} $KUBERNETES_VERSION from the Go module proxy (about 9 minutes on 2 cores without a Go build cache)"
  for c in "${missing[@]}"; do
    log "building $c"
    (cd "$E2E_DIR/kubernetes" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$KUBE_BIN.partial/$c" "k8s.io/kubernetes/cmd/$c")
  done
  mkdir -p "$KUBE_BIN"
  mv "$KUBE_BIN.partial"/* "$KUBE_BIN/"
  rmdir "$KUBE_BIN.partial"
}

fetch_etcd() {
  local dir=$E2E_CACHE/etcd-${ETCD_DEB##*/}
  [[ -x $dir/usr/bin/etcd ]] && { log "etcd: cached"; return; }
  local deb=$E2E_CACHE/${ETCD_DEB##*/}
  curl -fsSL -o "$deb" "$DEBIAN_MIRROR/$ETCD_DEB"
  echo "$ETCD_DEB_SHA256  $deb" | sha256sum -c --quiet - || die "etcd package checksum mismatch"
  rm -rf "$dir.partial" && dpkg-deb -x "$deb" "$dir.partial" && mv "$dir.partial" "$dir" && rm "$deb"
}

build_coredns() {
  local dir=$E2E_CACHE/coredns-$COREDNS_VERSION
  [[ -x $dir/coredns ]] && { log "coredns: cached"; return; }
  log "building coredns $COREDNS_VERSION"
  GOBIN=$dir CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_pause() {
  local out=$E2E_CACHE/pause/pause
  [[ -x $out && $out -nt $E2E_DIR/images/pause.c ]] && return
  mkdir -p "${out%/*}"
  gcc -Os -static -o "$out" "$E2E_DIR/images/pause.c" && strip "$out"
}

timed "kubernetes binaries" build_kubernetes
timed "etcd" fetch_etcd
timed "coredns" build_coredns
build_pause
