#!/usr/bin/env bash
# Deploys Zonal to a Google Cloud project, from nothing to a working URL (docs/DEPLOY.md):
#
#   deploy/gcp.sh PROJECT_ID [REGION]        # REGION: europe-west4 by default
#
# Idempotent: run it again after any change (or to deploy a new build); whatever exists is
# kept, settings are brought up to date. Needs gcloud (authenticated as a project owner),
# python3 and envsubst (Debian: gettext-base). Settings, all optional, from the environment:
#   SERVICE=zonal  QUEUE=invoice-process-queue  BUCKET=PROJECT_ID-zonal  REPO=zonal
#   CONCURRENCY=10 (10-20)  MAX_INSTANCES=5  GEMINI_SECRET=zonal-gemini-api-key
#   RATE_LIMIT_PER_MINUTE=60  DAILY_OCR_QUOTA=2000  DAILY_LLM_QUOTA=2000 (0: none)
#   GEMINI_API_KEY=…   the first version of the Gemini secret, when it has none
#   IMAGE=…            deploy this image instead of building one with Cloud Build
#   PUBLIC=1           let anyone open the app (0: only principals you grant run.invoker)
#   ENABLE_GEMINI_API=0  1: also enable generativelanguage.googleapis.com here (when the
#                        Gemini key belongs to this project)
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 PROJECT_ID [REGION]" >&2; exit 2; }
PROJECT_ID=$1
REGION=${2:-europe-west4}
DEPLOY=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DEPLOY/.." && pwd)

SERVICE=${SERVICE:-zonal}
QUEUE=${QUEUE:-invoice-process-queue}
BUCKET=${BUCKET:-$PROJECT_ID-zonal}
REPO=${REPO:-zonal}
CONCURRENCY=${CONCURRENCY:-10}
RATE_LIMIT_PER_MINUTE=${RATE_LIMIT_PER_MINUTE:-60}
DAILY_OCR_QUOTA=${DAILY_OCR_QUOTA:-2000}
DAILY_LLM_QUOTA=${DAILY_LLM_QUOTA:-2000}
MAX_INSTANCES=${MAX_INSTANCES:-5}
GEMINI_SECRET=${GEMINI_SECRET:-zonal-gemini-api-key}
PUBLIC=${PUBLIC:-1}
ENABLE_GEMINI_API=${ENABLE_GEMINI_API:-0}
# The Firestore collection of the jobs (ZONAL_FIRESTORE_COLLECTION's default).
COLLECTION=jobs
RUN_SA="zonal-run@$PROJECT_ID.iam.gserviceaccount.com"
TASKS_SA="zonal-tasks@$PROJECT_ID.iam.gserviceaccount.com"

log() { printf '\033[1;34m[gcp]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[gcp]\033[0m %s\n' "$*" >&2; exit 1; }
g() { gcloud --quiet --project="$PROJECT_ID" "$@"; }
# A create that may find its resource there already (a re-run): only that error passes.
create() {
  local out
  if out=$("$@" 2>&1); then return 0; fi
  if grep -qiE 'already exists|ALREADY_EXISTS' <<<"$out"; then return 0; fi
  printf '%s\n' "$out" >&2
  return 1
}
# IAM bindings, retried: a service account just created takes a moment to be visible.
bind() {
  local i
  for i in 1 2 3 4 5; do
    "$@" --format=none >/dev/null 2>&1 && return 0
    sleep $((i * 3))
  done
  "$@" --format=none
}

command -v gcloud >/dev/null || die "gcloud is needed (https://cloud.google.com/sdk)"
command -v python3 >/dev/null || die "python3 is needed (to read firestore.indexes.json)"
command -v envsubst >/dev/null || die "envsubst is needed (apt-get install gettext-base)"

log "project $PROJECT_ID, region $REGION"
PROJECT_NUMBER=$(g projects describe "$PROJECT_ID" --format='value(projectNumber)')
[ -n "$PROJECT_NUMBER" ] || die "cannot read project $PROJECT_ID"

# --- APIs ------------------------------------------------------------------------------
apis=(run.googleapis.com cloudtasks.googleapis.com firestore.googleapis.com
  storage.googleapis.com vision.googleapis.com secretmanager.googleapis.com
  artifactregistry.googleapis.com cloudbuild.googleapis.com iam.googleapis.com)
[ "$ENABLE_GEMINI_API" = 1 ] && apis+=(generativelanguage.googleapis.com)
log "enable ${apis[*]}"
g services enable "${apis[@]}"

# --- service accounts ------------------------------------------------------------------
# zonal-run: the service's identity. zonal-tasks: the identity Cloud Tasks' OIDC tokens
# name when they deliver jobs to POST /api/tasks/process.
for sa in "$RUN_SA:Zonal relay (Cloud Run)" "$TASKS_SA:Zonal job delivery (Cloud Tasks)"; do
  email=${sa%%:*}
  if ! g iam service-accounts describe "$email" >/dev/null 2>&1; then
    log "create service account $email"
    create g iam service-accounts create "${email%%@*}" --display-name="${sa#*:}"
  fi
done

# --- Firestore: the jobs -----------------------------------------------------------------
if ! g firestore databases describe --database='(default)' >/dev/null 2>&1; then
  log "create the Firestore database (native mode, $REGION)"
  create g firestore databases create --database='(default)' --location="$REGION" \
    --type=firestore-native
fi
# Composite indexes the job store's queries need, from Firebase's index file.
INDEXES="$DEPLOY/firestore.indexes.json"
[ -f "$INDEXES" ] || die "$INDEXES missing"
while IFS=$'\t' read -r group scope fields; do
  [ -n "$group" ] || continue
  log "index $group: $fields"
  # shellcheck disable=SC2086  # one --field-config per field
  create g firestore indexes composite create --async --collection-group="$group" \
    --query-scope="$scope" $fields
done < <(python3 - "$INDEXES" <<'EOF'
import json, sys
for ix in json.load(open(sys.argv[1])).get("indexes", []):
    scope = {"COLLECTION": "collection", "COLLECTION_GROUP": "collection-group"}[
        ix.get("queryScope", "COLLECTION")]
    fields = []
    for f in ix["fields"]:
        if "order" in f:
            fields.append(f"--field-config=field-path={f['fieldPath']},order={f['order'].lower()}")
        else:
            fields.append(f"--field-config=field-path={f['fieldPath']},array-config={f['arrayConfig'].lower()}")
    print(ix["collectionGroup"], scope, " ".join(fields), sep="\t")
EOF
)
# fieldOverrides: fields kept out of the single-field indexes (large, or never queried)
# first, each waited for; then the TTL policies: Firestore deletes expired documents itself
# (within about a day of expiry), a safety net under the relay's own session sweeper.
# jobs.expireAt always has one.
OVERRIDES=$(python3 - "$INDEXES" "$COLLECTION" <<'EOF'
import json, sys
overrides = json.load(open(sys.argv[1])).get("fieldOverrides", [])
for o in overrides:
    if o.get("indexes") == []:
        print("noindex", o["collectionGroup"], o["fieldPath"], sep="\t")
ttl = [(sys.argv[2], "expireAt")]
ttl += [(o["collectionGroup"], o["fieldPath"]) for o in overrides if o.get("ttl")]
for group, field in dict.fromkeys(ttl):
    print("ttl", group, field, sep="\t")
EOF
)
while IFS=$'\t' read -r what group field; do
  case $what in
    noindex)
      # Overridden already (no longer following the database's defaults)?
      if [ "$(g firestore indexes fields describe "$field" --collection-group="$group" \
            --format='value(indexConfig.usesAncestorConfig)' 2>/dev/null || true)" != False ]; then
        log "no single-field index on $group.$field"
        g firestore indexes fields update "$field" --collection-group="$group" --disable-indexes
      fi ;;
    ttl)
      case $(g firestore indexes fields describe "$field" --collection-group="$group" \
            --format='value(ttlConfig.state)' 2>/dev/null || true) in
        ACTIVE | CREATING) ;;
        *) log "TTL on $group.$field"
           g firestore fields ttls update "$field" --collection-group="$group" --enable-ttl --async ;;
      esac ;;
  esac
done <<<"$OVERRIDES"

# --- Cloud Storage: the uploaded PDFs and the shares ------------------------------------
if ! g storage buckets describe "gs://$BUCKET" >/dev/null 2>&1; then
  log "create bucket gs://$BUCKET ($REGION)"
  create g storage buckets create "gs://$BUCKET" --location="$REGION" \
    --uniform-bucket-level-access --public-access-prevention
fi
# Uploads are deleted after a day, OCR crops after two, whatever the relay did
# (deploy/lifecycle.json); no soft delete, so a deleted PDF is gone, not kept 7 days.
log "bucket lifecycle (deploy/lifecycle.json)"
g storage buckets update "gs://$BUCKET" --lifecycle-file="$DEPLOY/lifecycle.json" \
  --clear-soft-delete
# The relay reads, writes, lists and deletes its objects; nothing else in the project.
bind g storage buckets add-iam-policy-binding "gs://$BUCKET" \
  --member="serviceAccount:$RUN_SA" --role=roles/storage.objectAdmin

# --- Cloud Tasks: one task per job --------------------------------------------------------
# Four attempts 30 s to 5 min apart (as ZONAL_MAX_ATTEMPTS and ZONAL_RETRY_BACKOFF_MS);
# the dispatch rate and concurrency cap what reaches Vision and Gemini (docs/DEPLOY.md).
queue_flags=(--location="$REGION" --max-attempts=4 --min-backoff=30s --max-backoff=300s
  --max-dispatches-per-second=5 --max-concurrent-dispatches=20)
if g tasks queues describe "$QUEUE" --location="$REGION" >/dev/null 2>&1; then
  log "update queue $QUEUE"
  g tasks queues update "$QUEUE" "${queue_flags[@]}" --format=none
else
  log "create queue $QUEUE"
  create g tasks queues create "$QUEUE" "${queue_flags[@]}"
fi
# The relay creates a task for every job it accepts.
bind g tasks queues add-iam-policy-binding "$QUEUE" --location="$REGION" \
  --member="serviceAccount:$RUN_SA" --role=roles/cloudtasks.enqueuer
# Creating a task whose OIDC token names zonal-tasks means acting as zonal-tasks.
bind g iam service-accounts add-iam-policy-binding "$TASKS_SA" \
  --member="serviceAccount:$RUN_SA" --role=roles/iam.serviceAccountUser

# --- project roles of the service ---------------------------------------------------------
# datastore.user: read and write the jobs in Firestore.
# serviceusage.serviceUsageConsumer: call this project's enabled APIs (Vision, with
#   ZONAL_VISION_SERVICE_ACCOUNT) as the service account.
# No logging or monitoring role: Cloud Run collects stdout and its metrics itself.
for role in roles/datastore.user roles/serviceusage.serviceUsageConsumer; do
  bind g projects add-iam-policy-binding "$PROJECT_ID" --condition=None \
    --member="serviceAccount:$RUN_SA" --role="$role"
done

# --- Secret Manager: the Gemini key ----------------------------------------------------------
if ! g secrets describe "$GEMINI_SECRET" >/dev/null 2>&1; then
  log "create secret $GEMINI_SECRET"
  create g secrets create "$GEMINI_SECRET" --replication-policy=automatic
fi
# Only the service reads it (mounted as a file: GEMINI_API_KEY_FILE).
bind g secrets add-iam-policy-binding "$GEMINI_SECRET" \
  --member="serviceAccount:$RUN_SA" --role=roles/secretmanager.secretAccessor
if [ -z "$(g secrets versions list "$GEMINI_SECRET" --filter=state:enabled --limit=1 --format='value(name)')" ]; then
  if [ -n "${GEMINI_API_KEY:-}" ]; then
    log "add the first version of $GEMINI_SECRET (from GEMINI_API_KEY)"
    printf '%s' "$GEMINI_API_KEY" | g secrets versions add "$GEMINI_SECRET" --data-file=- --format=none
  else
    die "secret $GEMINI_SECRET has no version yet: add the Gemini API key, then run this again:
  printf '%s' 'THE_KEY' | gcloud secrets versions add $GEMINI_SECRET --project=$PROJECT_ID --data-file=-"
  fi
fi

# --- the image ------------------------------------------------------------------------------
if ! g artifacts repositories describe "$REPO" --location="$REGION" >/dev/null 2>&1; then
  log "create Artifact Registry repository $REPO"
  create g artifacts repositories create "$REPO" --location="$REGION" \
    --repository-format=docker --description="Zonal images"
fi
if [ -z "${IMAGE:-}" ]; then
  TAG=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)
  IMAGE="$REGION-docker.pkg.dev/$PROJECT_ID/$REPO/zonal:$TAG"
  # Cloud Build's default identity (on new projects the Compute Engine default account,
  # which may have no roles) pushes the image and writes the build's logs.
  BUILD_SA=$(g builds get-default-service-account --format='value(serviceAccountEmail)')
  BUILD_SA=${BUILD_SA##*/}
  bind g artifacts repositories add-iam-policy-binding "$REPO" --location="$REGION" \
    --member="serviceAccount:$BUILD_SA" --role=roles/artifactregistry.writer
  bind g projects add-iam-policy-binding "$PROJECT_ID" --condition=None \
    --member="serviceAccount:$BUILD_SA" --role=roles/logging.logWriter
  log "build $IMAGE with Cloud Build (deploy/cloudbuild.yaml; 20-40 minutes)"
  (cd "$ROOT" && g builds submit --config=deploy/cloudbuild.yaml \
    --ignore-file=deploy/gcloudignore --substitutions="_IMAGE=$IMAGE" .)
fi

# --- the service ----------------------------------------------------------------------------
# The URL the service has, or (first deploy) the one Cloud Run will give it; the relay needs
# it from the start as its task target and the tokens' audience.
SERVICE_URL=$(g run services describe "$SERVICE" --region="$REGION" \
  --format='value(status.url)' 2>/dev/null || true)
[ -n "$SERVICE_URL" ] || SERVICE_URL="https://$SERVICE-$PROJECT_NUMBER.$REGION.run.app"
export PROJECT_ID REGION SERVICE IMAGE RUN_SA TASKS_SA BUCKET QUEUE SERVICE_URL \
  CONCURRENCY MAX_INSTANCES GEMINI_SECRET RATE_LIMIT_PER_MINUTE DAILY_OCR_QUOTA DAILY_LLM_QUOTA
RENDERED=$(mktemp "${TMPDIR:-/tmp}/zonal-cloudrun.XXXXXX.yaml")
trap 'rm -f "$RENDERED"' EXIT
envsubst '${PROJECT_ID} ${REGION} ${SERVICE} ${IMAGE} ${RUN_SA} ${TASKS_SA} ${BUCKET} ${QUEUE} ${SERVICE_URL} ${CONCURRENCY} ${MAX_INSTANCES} ${GEMINI_SECRET} ${RATE_LIMIT_PER_MINUTE} ${DAILY_OCR_QUOTA} ${DAILY_LLM_QUOTA}' \
  <"$DEPLOY/cloudrun.yaml" >"$RENDERED"
if grep -n '\${' "$RENDERED" >&2; then die "placeholders left in deploy/cloudrun.yaml"; fi
log "deploy $SERVICE ($IMAGE)"
g run services replace "$RENDERED" --region="$REGION"
URL=$(g run services describe "$SERVICE" --region="$REGION" --format='value(status.url)')
[ -n "$URL" ] || die "no URL for service $SERVICE"
if [ "$URL" != "$SERVICE_URL" ]; then
  log "task target: $URL/api/tasks/process"
  g run services update "$SERVICE" --region="$REGION" \
    --update-env-vars="ZONAL_TASKS_TARGET_URL=$URL/api/tasks/process"
fi
# Cloud Tasks' deliveries are let in as zonal-tasks (the relay checks their token too).
bind g run services add-iam-policy-binding "$SERVICE" --region="$REGION" \
  --member="serviceAccount:$TASKS_SA" --role=roles/run.invoker
if [ "$PUBLIC" = 1 ]; then
  # The web app and its API are for anyone with the link (an organisation policy may
  # forbid allUsers: then PUBLIC=0 and grant run.invoker to your users).
  bind g run services add-iam-policy-binding "$SERVICE" --region="$REGION" \
    --member=allUsers --role=roles/run.invoker \
    || log "could not open $SERVICE to allUsers (organisation policy?)"
fi

log "ready: $URL"
log "check: curl -fsS $URL/api/healthz; curl -fsS $URL/api/config"
