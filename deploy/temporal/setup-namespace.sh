#!/bin/sh
# One-shot job `temporal-setup` (image temporalio/admin-tools, see docker-compose.yml): waits for the Temporal
# cluster, creates invsync's namespace if it is missing and registers invsync's custom search attributes on it.
#
# The search attributes MUST match SEARCH_ATTRIBUTES in domain/search-attributes.ts (design section 4); the unit
# test test/unit/compose.test.ts reads the `--name X --type Y` pairs below and compares them with that list.
#
# Idempotent, so it runs on every `docker compose up`: an existing namespace is kept as it is (retention included),
# an already registered attribute of the same type is accepted, one registered with a different type fails the job
# (and with it the start of the invsync services). POSIX sh: the admin-tools image is not guaranteed to have bash.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS (e.g. temporal:7233) is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-168h}"
MAX_ATTEMPTS="${SETUP_MAX_ATTEMPTS:-60}"
SLEEP_SECONDS="${SETUP_SLEEP_SECONDS:-2}"
# After registering a new attribute, the server's caches take up to about a minute to know it; starting workflows
# that set it before then fails. Wait that long once (first start only) instead of racing the invsync services.
SETTLE_SECONDS="${SEARCH_ATTRIBUTE_SETTLE_SECONDS:-60}"

# retry <what> <command...>: runs the command until it succeeds, at most MAX_ATTEMPTS times.
retry() {
  what=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "temporal-setup: $what: giving up after $attempt attempts" >&2
      return 1
    fi
    echo "temporal-setup: $what: not ready yet, retrying in ${SLEEP_SECONDS}s (attempt $attempt/$MAX_ATTEMPTS)"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

cluster_healthy() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1
}

ensure_namespace() {
  if temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
    echo "temporal-setup: namespace '$NAMESPACE' already exists"
    return 0
  fi
  if out=$(temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" \
    --address "$TEMPORAL_ADDRESS" 2>&1); then
    echo "temporal-setup: namespace '$NAMESPACE' created (retention $RETENTION)"
    return 0
  fi
  case $out in
    *"already exists"* | *"AlreadyExists"*)
      echo "temporal-setup: namespace '$NAMESPACE' already exists"
      return 0
      ;;
  esac
  echo "$out" >&2
  return 1
}

# Names registered before this run (empty if the namespace is brand new or not yet visible to the frontend).
EXISTING=""
NEW_ATTRIBUTES=0

# register_search_attribute --name <Name> --type <Type>
register_search_attribute() {
  name=$2
  if out=$(temporal operator search-attribute create --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" "$@" 2>&1); then
    if ! printf '%s\n' "$EXISTING" | grep -qw -- "$name"; then
      NEW_ATTRIBUTES=1
    fi
    echo "temporal-setup: search attribute $name ($4) registered"
    return 0
  fi
  case $out in
    *"different type"*)
      # Permanent: the attribute exists with another type. Retrying cannot fix it; an operator must.
      echo "temporal-setup: $out" >&2
      exit 1
      ;;
    *"already exists"* | *"AlreadyExists"*)
      echo "temporal-setup: search attribute $name ($4) already registered"
      return 0
      ;;
  esac
  echo "$out" >&2
  return 1
}

echo "temporal-setup: waiting for the Temporal cluster at $TEMPORAL_ADDRESS"
retry "cluster health" cluster_healthy
echo "temporal-setup: cluster is serving"

retry "namespace $NAMESPACE" ensure_namespace

EXISTING=$(temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" 2>/dev/null || true)

# One line per attribute of domain/search-attributes.ts SEARCH_ATTRIBUTES.
retry "search attribute InvSku" register_search_attribute --name InvSku --type Keyword
retry "search attribute InvChannels" register_search_attribute --name InvChannels --type KeywordList
retry "search attribute InvStatus" register_search_attribute --name InvStatus --type Keyword
retry "search attribute InvDriftUnits" register_search_attribute --name InvDriftUnits --type Int

if [ "$NEW_ATTRIBUTES" -eq 1 ] && [ "$SETTLE_SECONDS" -gt 0 ]; then
  echo "temporal-setup: new search attributes: waiting ${SETTLE_SECONDS}s for the server caches to refresh"
  sleep "$SETTLE_SECONDS"
fi

echo "temporal-setup: done (namespace '$NAMESPACE')"
