# The front door. `make up` runs the whole platform locally over HTTPS; `make test` runs every test.
SEED ?= none
LOCAL_STATE_DIR ?= .local

.PHONY: up down clean test e2e help cluster deploy dev undeploy

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

up: ## Run the platform locally at https://localhost:8443 (SEED=demo loads demo data)
	SEED=$(SEED) node scripts/start.mjs

down: ## Stop a running local platform
	node scripts/start.mjs down

clean: down ## Stop the local platform and wipe its state (LOCAL_STATE_DIR, default .local/)
	rm -rf $(LOCAL_STATE_DIR)

test: ## Run every test suite (what CI runs)
	npm test

e2e: ## Build a one-node cluster and its operators from source (root, no Docker), helm install the chart, test it, tear down
	k8s/e2e/e2e.sh run

cluster: ## Create a kind cluster and install the prerequisites (ingress-nginx, cert-manager, Vault, CloudNativePG, metrics-server, Prometheus, Jaeger)
	kind create cluster --config k8s/kind-config.yaml
	k8s/install-prerequisites.sh

deploy: ## Build the images and install the chart into the cluster (skaffold run)
	kubectl apply -f k8s/namespace.yaml
	skaffold run -p kind

dev: ## Rebuild and redeploy on every change (skaffold dev)
	kubectl apply -f k8s/namespace.yaml
	skaffold dev -p kind

undeploy: ## Remove the release (the generated secrets marked keep stay)
	skaffold delete -p kind
