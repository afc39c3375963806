#!/usr/bin/env bash
# Provision this machine for the project's Docker tests (Debian bookworm, root, no init system,
# no container registry, no PyPI): install Debian's Docker engine, start dockerd, and build the
# base image (Python 3 + numpy + Open MPI + mpi4py) from the apt mirror with mmdebstrap piped
# into `docker import`. Idempotent: a second run finds everything in place and takes seconds.
#
#   bash .ci/provision.sh
#
# Environment:
#   ESTIMATOR_BASE_IMAGE      image name (default estimator/python-mpi:bookworm)
#   ESTIMATOR_SKIP_IMAGE=1    engine only, no image build (ignored when CI=true)
#   ESTIMATOR_REBUILD_IMAGE=1 rebuild the image even when an up-to-date one exists
#   DOCKERD_LOG               dockerd's log file (default /var/log/dockerd.log)
#   DOCKERD_WAIT              seconds to wait for a starting dockerd (default 60)
#
# See docs/machine.md.
set -euo pipefail

BASE_IMAGE="${ESTIMATOR_BASE_IMAGE:-estimator/python-mpi:bookworm}"

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT="${DOCKERD_WAIT:-60}"
DOCKERD_PIDFILE=/var/run/docker.pid
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid
LOG_DIR="${PROVISION_LOG_DIR:-/tmp/estimator-provision}"

# Everything that goes into the image. The recipe hash below is stored as a label, so a change
# here rebuilds the image on the next run instead of silently keeping a stale one.
IMAGE_SUITE=bookworm
IMAGE_PACKAGES=python3,python3-pip,python3-numpy,openmpi-bin,python3-mpi4py
IMAGE_MIRRORS=(
  "deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main"
)
IMAGE_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV LANG=C.UTF-8'
  # Open MPI's shared-memory transport would use cross-memory attach (process_vm_readv), which
  # Docker's default seccomp/capabilities forbid: every large message then prints
  # "Read -1, expected N, errno = 1" on stderr before falling back. Copy-in/copy-out is silent.
  'ENV OMPI_MCA_btl_vader_single_copy_mechanism=none'
  # pip runs as root here and has no PyPI to check its own version against: keep it quiet.
  'ENV PIP_ROOT_USER_ACTION=ignore'
  'ENV PIP_DISABLE_PIP_VERSION_CHECK=1'
  'CMD ["python3"]'
)
# Removing the PEP 668 marker lets a plain `pip install` work in the image (no venv module there).
# shellcheck disable=SC2016 # $1 is the hook's argument (the root directory), expanded by mmdebstrap
IMAGE_HOOK='rm -f "$1"/usr/lib/python3.*/EXTERNALLY-MANAGED'
RECIPE_LABEL=org.estimator.recipe

T0=$EPOCHREALTIME
SUMMARY=()

say() { printf 'provision: %s\n' "$*" >&2; }

# Prints what failed, the tail of its log and what to do, then exits 1.
die() {
  local what=$1 log=${2:-} fix=${3:-}
  {
    printf '\nprovision: FAILED: %s\n' "$what"
    if [ -n "$log" ] && [ -s "$log" ]; then
      printf 'provision: last lines of %s:\n' "$log"
      tail -n 40 "$log" | sed 's/^/    /'
    fi
    [ -n "$fix" ] && printf 'provision: what to do: %s\n' "$fix"
  } >&2
  exit 1
}

seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

cleanup_policy=0
cleanup() {
  if [ "$cleanup_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# checks

[ "$(id -u)" = 0 ] || die "must run as root (it installs Debian packages and starts dockerd)" "" \
  "run it as root: sudo bash .ci/provision.sh"
[ -r /etc/debian_version ] || die "not a Debian machine: this script uses apt-get and Debian's docker.io"
mkdir -p "$LOG_DIR"

# Two runs at once (two shells, or CI and a developer) would race to start dockerd and build the
# image: the second one waits for the first and then finds everything in place.
LOCK_FILE=/var/lock/estimator-provision.lock
exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  say "another provision.sh is running (lock $LOCK_FILE); waiting for it"
  flock -w 900 9 || die "waited 900 s for the other provision.sh (lock $LOCK_FILE)" "" \
    "see what holds it: fuser -v $LOCK_FILE"
fi

skip_image=0
if [ "${ESTIMATOR_SKIP_IMAGE:-}" = 1 ]; then
  if [ "${CI:-}" = true ]; then
    say "ESTIMATOR_SKIP_IMAGE=1 is ignored under CI=true: CI always provisions the image"
  else
    skip_image=1
  fi
fi

# ---------------------------------------------------------------------------------------------
# (a) Debian packages

apt_updated=0
apt_update() {
  local log=$LOG_DIR/apt-update.log
  say "apt-get update"
  apt-get -o DPkg::Lock::Timeout=120 update >"$log" 2>&1 \
    || die "apt-get update" "$log" "check that deb.debian.org answers (apt sources in /etc/apt/sources.list.d/)"
  apt_updated=1
}

# Lists that apt wrote more than an hour ago (ctime: mtime is the server's date), or a package
# without a candidate version, mean apt-get update first.
apt_lists_fresh() {
  local newest
  newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*InRelease' -cmin -60 -print -quit 2>/dev/null)
  [ -n "$newest" ] || return 1
  local pkg policy
  for pkg in "$@"; do
    # Captured first: `apt-cache | grep -q` fails under pipefail when grep stops reading early.
    policy=$(apt-cache policy "$pkg" 2>/dev/null)
    [[ $policy == *"Candidate: "[0-9]* ]] || return 1
  done
}

apt_install() {
  local log=$LOG_DIR/apt-install.log
  if [ "$apt_updated" = 0 ] && ! apt_lists_fresh "$@"; then apt_update; fi
  # No service is started by the packages' scripts: dockerd is started below, under our control.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    cleanup_policy=1
  fi
  say "apt-get install $*"
  local ok=1
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 -o Dpkg::Use-Pty=0 \
    install -y --no-install-recommends "$@" >"$log" 2>&1 || ok=0
  if [ "$ok" = 0 ] && [ "$apt_updated" = 0 ]; then
    say "apt-get install failed with the current lists; updating them and retrying"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 -o Dpkg::Use-Pty=0 \
      install -y --no-install-recommends "$@" >"$log" 2>&1 || ok=0
  fi
  [ "$ok" = 1 ] || die "apt-get install $*" "$log" \
    "read the log above; 'apt-get -f install' repairs a half-finished install"
  cleanup
  cleanup_policy=0
}

t=$EPOCHREALTIME
need=()
if [ ! -x /usr/sbin/dockerd ]; then
  need+=(docker.io)
  # A machine without an engine has no image either: one apt-get run installs both tools. On
  # other machines mmdebstrap is installed only when the image turns out to need a build.
  if [ "$skip_image" = 0 ] && ! command -v mmdebstrap >/dev/null 2>&1; then need+=(mmdebstrap); fi
fi
if [ "${#need[@]}" -gt 0 ]; then
  apt_install "${need[@]}"
  SUMMARY+=("packages $(seconds_since "$t")s")
fi

# ---------------------------------------------------------------------------------------------
# (b) the engine

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

# A zombie (a dockerd killed with -9 under an init that does not reap it yet) counts as gone.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# The pid of a live dockerd named by its pid file, if any.
dockerd_pid() {
  local pid
  [ -s "$DOCKERD_PIDFILE" ] || return 1
  pid=$(cat "$DOCKERD_PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  printf '%s' "$pid"
}

start_dockerd() {
  # Left behind by a dockerd that died (or by a restarted machine): dockerd would refuse to
  # start over it. A stale socket needs nothing: dockerd replaces it.
  if [ -e "$DOCKERD_PIDFILE" ]; then
    say "removing stale $DOCKERD_PIDFILE"
    rm -f "$DOCKERD_PIDFILE"
  fi
  # The same for the containerd that dockerd runs: a dockerd killed with -9 leaves a zombie
  # containerd behind, which dockerd takes for a live one and waits 15 s for, then gives up.
  local cpid
  cpid=$(cat "$CONTAINERD_PIDFILE" 2>/dev/null || true)
  if [ -n "$cpid" ] && ! alive "$cpid"; then
    say "removing stale $CONTAINERD_PIDFILE (pid $cpid is gone or a zombie)"
    rm -f "$CONTAINERD_PIDFILE"
  fi
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  say "starting dockerd (log: $DOCKERD_LOG)"
  printf '\n=== provision.sh started dockerd at %s ===\n' "$(date -u +%FT%TZ)" >>"$DOCKERD_LOG"
  # Its own session, so it outlives this script and the shell that ran it; without the lock's fd.
  setsid /usr/sbin/dockerd </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
  started=$!
}

t=$EPOCHREALTIME
if ! docker_answers; then
  started=""
  waited_for=""
  deadline=$((SECONDS + DOCKERD_WAIT))
  until docker_answers; do
    if [ -n "$started" ]; then
      alive "$started" || die "dockerd exited while starting" "$DOCKERD_LOG" \
        "fix the cause in the log, then run 'bash .ci/provision.sh' again"
      pid=$started
    else
      pid=$(dockerd_pid || true)
      if [ -z "$pid" ]; then
        start_dockerd
        pid=$started
      elif [ "$pid" != "$waited_for" ]; then
        say "dockerd (pid $pid) is running but does not answer yet; waiting for it"
        waited_for=$pid
      fi
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "dockerd (pid $pid) did not answer within ${DOCKERD_WAIT}s" "$DOCKERD_LOG" \
      "kill $pid, then run 'bash .ci/provision.sh' again (DOCKERD_WAIT=120 waits longer)"
    sleep 0.5
  done
  SUMMARY+=("dockerd start $(seconds_since "$t")s")
fi

engine=$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null) \
  || die "docker version (the engine answered 'docker info' but not 'docker version')"

# ---------------------------------------------------------------------------------------------
# (c) the base image

recipe_hash() {
  {
    printf '%s\n' "$IMAGE_SUITE" "$IMAGE_PACKAGES" "$IMAGE_HOOK"
    printf '%s\n' "${IMAGE_MIRRORS[@]}" "${IMAGE_CHANGES[@]}"
  } | sha256sum | cut -c1-16
}
RECIPE=$(recipe_hash)

image_state() {
  local label
  label=$(docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$BASE_IMAGE" 2>/dev/null) \
    || { echo absent; return; }
  if [ "$label" = "$RECIPE" ]; then echo current; else echo stale; fi
}

# Runs the checks the tests depend on and prints one line of versions. The MPI check sends 8 MB
# messages, so a transport that warns on stderr (see IMAGE_CHANGES) fails it too.
smoke_test() {
  local image=$1 log=$LOG_DIR/smoke.log
  docker run --rm "$image" sh -c '
      set -e
      python3 -c "import sys, numpy, mpi4py; print(\"python\", sys.version.split()[0], \"numpy\", numpy.__version__, \"mpi4py\", mpi4py.__version__, end=\" \")"
      printf "openmpi %s " "$(mpirun --version | sed -n "1s/.* //p")"
      mpirun --allow-run-as-root -np 2 python3 -c "
from mpi4py import MPI
import numpy as np
c = MPI.COMM_WORLD
a = np.full(1 << 20, c.Get_rank() + 1.0)
b = np.empty_like(a)
c.Allreduce(a, b)
print(c.Get_rank(), int(b.min()), int(b.max()))" >/tmp/out 2>/tmp/err
      out=$(sort /tmp/out | tr "\n" " ")
      [ "$out" = "0 3 3 1 3 3 " ] || { echo "mpirun -np 2 printed: $out" >&2; cat /tmp/err >&2; exit 1; }
      [ ! -s /tmp/err ] || { echo "mpirun -np 2 wrote to stderr:" >&2; head -n 5 /tmp/err >&2; exit 1; }
      printf "mpirun-np2 ok\n"' >"$log" 2>&1 || return 1
  tail -n 1 "$log"
}

image_versions=""
if [ "$skip_image" = 1 ]; then
  SUMMARY+=("image skipped (ESTIMATOR_SKIP_IMAGE=1)")
else
  state=$(image_state)
  [ "${ESTIMATOR_REBUILD_IMAGE:-}" = 1 ] && [ "$state" != absent ] && state=rebuild
  if [ "$state" != current ]; then
    case $state in
      absent) say "building $BASE_IMAGE (absent; about a minute)" ;;
      stale) say "rebuilding $BASE_IMAGE (its recipe label is not $RECIPE: the recipe changed)" ;;
      rebuild) say "rebuilding $BASE_IMAGE (ESTIMATOR_REBUILD_IMAGE=1)" ;;
    esac
    if ! command -v mmdebstrap >/dev/null 2>&1; then
      t=$EPOCHREALTIME
      apt_install mmdebstrap
      SUMMARY+=("packages $(seconds_since "$t")s")
    fi
    t=$EPOCHREALTIME
    log=$LOG_DIR/image-build.log
    changes=()
    for c in "${IMAGE_CHANGES[@]}" "LABEL $RECIPE_LABEL=$RECIPE"; do changes+=(--change "$c"); done
    # Imported untagged first: a build that fails halfway must not leave a half image under the
    # real name, where the next run would take it for a finished one.
    image_id=""
    image_id=$(
      mmdebstrap --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
        --include="$IMAGE_PACKAGES" \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --customize-hook="$IMAGE_HOOK" \
        "$IMAGE_SUITE" - "${IMAGE_MIRRORS[@]}" 2>"$log" \
      | docker import "${changes[@]}" - 2>>"$log"
    ) || {
      [ -n "$image_id" ] && docker image rm -f "$image_id" >/dev/null 2>&1
      die "building the base image (mmdebstrap | docker import)" "$log" \
        "check that deb.debian.org answers and the disk has 1 GB free, then run 'bash .ci/provision.sh' again"
    }
    build_s=$(seconds_since "$t")
    image_versions=$(smoke_test "$image_id") || {
      docker image rm -f "$image_id" >/dev/null 2>&1
      die "the freshly built image failed its check (python3, numpy, mpi4py, mpirun -np 2)" \
        "$LOG_DIR/smoke.log" "read the log above; the image was not tagged"
    }
    old_id=$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)
    docker tag "$image_id" "$BASE_IMAGE"
    if [ -n "$old_id" ] && [ "$old_id" != "$image_id" ]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
    SUMMARY+=("image build ${build_s}s")
  else
    t=$EPOCHREALTIME
    image_versions=$(smoke_test "$BASE_IMAGE") || die "$BASE_IMAGE failed its check (python3, numpy, mpi4py, mpirun -np 2)" \
      "$LOG_DIR/smoke.log" "rebuild it: ESTIMATOR_REBUILD_IMAGE=1 bash .ci/provision.sh"
    SUMMARY+=("image check $(seconds_since "$t")s")
  fi
  size=$(docker image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{ printf "%d MB", $1 / 1000000 }')
  image_versions="$BASE_IMAGE $size: $image_versions"
fi

# ---------------------------------------------------------------------------------------------
# (d) one line

summary=$(printf '%s, ' "${SUMMARY[@]}")
summary=${summary%, }
printf 'provision: ok in %ss | engine %s | %s | %s\n' "$(seconds_since "$T0")" "$engine" \
  "${image_versions:-no image}" "${summary:-nothing to do}"
