#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring:
#
#   scripts/with-keyring.sh npx vitest run test/keychain
#
# This is how CI (and anyone on a headless Linux box) runs the real-keychain tests.
# The keyring files live in a temporary XDG_DATA_HOME and the daemon's sockets in a
# temporary XDG_RUNTIME_DIR, both deleted afterwards, so a real user's login keyring
# (~/.local/share/keyrings) is never read or written. HOME is left alone so npm/npx and
# browser caches keep working.
#
# Why each step:
# - dbus-run-session starts a private session bus and sets DBUS_SESSION_BUS_ADDRESS for
#   the command only; it stops the bus (and so the keyring daemon) when the command ends.
# - `gnome-keyring-daemon --unlock` reads a password on stdin and creates the "login"
#   collection with it (or unlocks it). Started any other way (e.g. by D-Bus activation
#   on the first request) the daemon has no collection and needs a GUI prompt to make
#   one, so every write fails with "Object does not exist at path .../collection/login".
# - --components=secrets: only the Secret Service; no ssh or pkcs11 agents.
# Needs: apt-get install dbus gnome-keyring (libsecret-1-dev to build keytar).
set -euo pipefail

# A throwaway password for a throwaway keyring.
readonly KEYRING_PASSWORD='exitdesk-test'

if [[ "${1:-}" == "--inside-session" ]]; then
  shift
  printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The daemon forks before it owns its bus name; wait (up to 5 s) until it does.
  for _ in $(seq 50); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      break
    fi
    sleep 0.1
  done
  exec "$@"
fi

if [[ $# -eq 0 ]]; then
  echo "usage: $0 command [args...]" >&2
  exit 64
fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "with-keyring.sh: $tool is not installed (apt-get install dbus gnome-keyring)." >&2
    exit 127
  fi
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/exitdesk-keyring.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -m 700 "$scratch/data" "$scratch/runtime"
export XDG_DATA_HOME="$scratch/data"
export XDG_RUNTIME_DIR="$scratch/runtime"

status=0
dbus-run-session -- "${BASH_SOURCE[0]}" --inside-session "$@" || status=$?
exit "$status"
