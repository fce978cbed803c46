#!/usr/bin/env bash
# Builds the image with podman and proves it works as `docker run -p 8000:8000 IMAGE` would:
# /readyz answers, the seeded notice is served (closed, 22 names), the process is not root, the
# image's own HEALTHCHECK command passes, the access log is JSON without the checked name, and
# `stop` is graceful (gunicorn exits 0 on SIGTERM). Exits non-zero with a message on any failure.
#
# Needs podman set up for this machine first:  eval "$(../shared/tools/container-base)"
# Environment: IMAGE (default notice-registry), SMOKE_BUILD=0 to test an already built image.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-notice-registry}
NAME=notice-registry-smoke-$$
started=$SECONDS
container=""

say() { printf 'smoke-image: %s\n' "$*"; }
fail() {
  printf 'smoke-image: FAIL: %s\n' "$*" >&2
  if [[ -n $container ]]; then
    printf -- '--- last container log lines ---\n' >&2
    podman logs --tail 40 "$container" >&2 2>&1 || true
  fi
  exit 1
}
cleanup() {
  if [[ -n $container ]]; then
    podman rm -f -v -t 0 "$container" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

command -v podman >/dev/null \
  || fail "podman not found: run eval \"\$(../shared/tools/container-base)\" first"
command -v curl >/dev/null || fail "curl not found"
command -v python3 >/dev/null || fail "python3 not found"

# 1. Build.
if [[ ${SMOKE_BUILD:-1} != 0 ]]; then
  t=$SECONDS
  build_log=$(mktemp)
  if ! podman build --jobs 2 --isolation chroot --format docker --pull=never -t "$IMAGE" . >"$build_log" 2>&1; then
    tail -30 "$build_log" >&2
    rm -f "$build_log"
    fail "podman build failed"
  fi
  rm -f "$build_log"
  say "built $IMAGE in $((SECONDS - t)) s"
fi
size=$(podman image inspect --format '{{.Size}}' "$IMAGE") || fail "no image $IMAGE"
say "image size $((size / 1000000)) MB"

# 2. Run it as a user would, on a free local port.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
podman run -d --name "$NAME" -p "127.0.0.1:$port:8000" --no-healthcheck "$IMAGE" >/dev/null \
  || fail "podman run failed"
container=$NAME
base=http://127.0.0.1:$port

# 3. Ready: init-db and seed ran, gunicorn answers, the database is migrated.
t=$SECONDS
until curl -fsS -o /dev/null --max-time 2 "$base/readyz" 2>/dev/null; do
  running=$(podman inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null || echo false)
  [[ $running == true ]] || fail "the container exited before /readyz answered"
  ((SECONDS - t < 60)) || fail "/readyz did not answer 200 within 60 s"
  sleep 0.3
done
say "/readyz answered after $((SECONDS - t)) s"

# 4. The seeded notice through the API.
notices=$(curl -fsS --max-time 5 "$base/api/v1/notices") || fail "GET /api/v1/notices failed"
python3 - "$notices" <<'PY' || fail "the seeded notice is not as expected: $notices"
import json, sys
items = json.loads(sys.argv[1])["items"]
assert len(items) == 1, f"{len(items)} notices"
notice = items[0]
assert notice["status"] == "closed", notice["status"]
assert notice["roster_size"] == 22, notice["roster_size"]
PY
say "seeded notice: closed, 22 names"

names=$(curl -fsS --max-time 5 -G "$base/api/v1/names" --data-urlencode "q=张心怡") \
  || fail "GET /api/v1/names failed"
python3 - "$names" <<'PY' || fail "the name check did not find 张心怡: $names"
import json, sys
assert json.loads(sys.argv[1])["matches"][0]["name"] == "张心怡"
PY
say "name check finds 张心怡"

# 5. Not root: the image's user and the serving process (PID 1, gunicorn's master).
uid=$(podman exec "$NAME" id -u) || fail "podman exec id -u failed"
[[ $uid != 0 ]] || fail "the container's user is root"
pid1_uid=$(podman exec "$NAME" awk '/^Uid:/ {print $2}' /proc/1/status) || fail "cannot read PID 1"
[[ $pid1_uid != 0 ]] || fail "PID 1 runs as root"
pid1=$(podman exec "$NAME" cat /proc/1/cmdline | tr '\0' ' ')
[[ $pid1 == *gunicorn* ]] || fail "PID 1 is not gunicorn (entrypoint did not exec): $pid1"
say "runs as uid $uid (PID 1: gunicorn, uid $pid1_uid)"

# 6. The image's HEALTHCHECK command, exactly as declared, run once.
mapfile -t check < <(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE" \
  | python3 -c 'import json, sys; t = json.load(sys.stdin); assert t[0] == "CMD", t; print("\n".join(t[1:]))') \
  || fail "the image has no exec-form HEALTHCHECK"
((${#check[@]})) || fail "the image has no HEALTHCHECK"
podman exec "$NAME" "${check[@]}" || fail "the HEALTHCHECK command failed"
say "healthcheck passes"

# 7. The access log: JSON lines, with the path but never the name that was checked.
logs=$(podman logs "$NAME" 2>&1)
[[ $logs != *张心怡* && $logs != *%E5%BC%A0* ]] || fail "the checked name reached the log"
python3 - "$logs" <<'PY' || fail "no JSON access log line for /api/v1/names"
import json, sys
lines = [json.loads(line) for line in sys.argv[1].splitlines() if line.startswith('{"remote"')]
assert any(line["path"] == "/api/v1/names" and line["status"] == 200 for line in lines), lines
PY
say "access log is JSON and keeps the name out"

# 8. Graceful stop: SIGTERM, gunicorn finishes and exits 0 well within the 10 s before SIGKILL.
t=$SECONDS
podman stop -t 10 "$NAME" >/dev/null || fail "podman stop failed"
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME") || fail "podman inspect failed"
[[ $code == 0 ]] || fail "exit code $code after SIGTERM (137 means it had to be killed)"
say "stopped gracefully in $((SECONDS - t)) s, exit code 0"

podman rm -v "$NAME" >/dev/null || fail "podman rm failed"
container=""
say "OK in $((SECONDS - started)) s"
