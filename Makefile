# The front door. `make up` runs the whole platform locally over HTTPS; `make test` runs every test.
SEED ?= none
LOCAL_STATE_DIR ?= .local
# The cluster of `make cluster` and `make deploy`: kind (the default) or minikube.
PROVIDER ?= kind
# How `make deploy` exposes the API: ingress (the chart's Ingress) or gateway-api (its HTTPRoute).
ROUTE ?= ingress
export PROVIDER ROUTE

.PHONY: up down clean test e2e help cluster cluster-delete deploy dev undeploy

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

up: ## Run the platform locally: the API at https://localhost:8443, the site at https://www.localhost:8443 (SEED=demo loads demo data)
	SEED=$(SEED) node scripts/start.mjs

down: ## Stop a running local platform
	node scripts/start.mjs down

clean: down ## Stop the local platform and wipe its state (LOCAL_STATE_DIR, default .local/)
	rm -rf $(LOCAL_STATE_DIR)

test: ## Run every test suite (what CI runs)
	npm test

e2e: ## Build a cluster of a control plane and three workers (E2E_NODES=1: one) and its operators from source (root, no Docker), helm install the chart, test it, tear down
	k8s/e2e/e2e.sh run

cluster: ## Create the kind (or PROVIDER=minikube) cluster and install the prerequisites of k8s/versions.env; safe to rerun
	k8s/create-cluster.sh
	k8s/install-prerequisites.sh

cluster-delete: ## Delete the kind (or PROVIDER=minikube) cluster of `make cluster`
	@if [ "$(PROVIDER)" = minikube ]; then minikube delete --profile blog-platform; else kind delete cluster --name blog-platform; fi

deploy: ## Build the images and install the chart into that cluster (skaffold run; ROUTE=gateway-api for the HTTPRoute)
	k8s/deploy.sh run

dev: ## Rebuild and redeploy on every change (skaffold dev)
	k8s/deploy.sh dev

undeploy: ## Remove the release (the generated secrets marked keep stay)
	k8s/deploy.sh delete
