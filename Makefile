# The front door. `make up` runs the whole platform locally over HTTPS; `make test` runs every test.
SEED ?= none

.PHONY: up down clean test lint help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

up: ## Run the platform locally at https://localhost:8443 (SEED=demo loads demo data)
	SEED=$(SEED) node scripts/start.mjs

down: ## Stop a running local platform
	node scripts/start.mjs down

clean: down ## Stop the local platform and wipe its state (.local/)
	rm -rf .local

test: ## Run every test suite (what CI runs)
	npm test
