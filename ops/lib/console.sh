# The staff console (clients/console): npm ci from the committed lockfile and a Vite build into
# clients/console/dist, which wenzheng serves at / (static_dir). Sourced by common.sh.
# Node 20+ and npm come from the machine (Debian 12's nodejs is 18: too old for Vite 8).

WZ_CONSOLE_DIR=${WZ_CONSOLE_DIR:-$WZ_ROOT/clients/console}

wz_console_node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  local major; major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  [ "${major:-0}" -ge 20 ]
}

# wz_console_deps: npm ci, skipped when node_modules was installed from this very lockfile.
wz_console_deps() {
  local dir=$WZ_CONSOLE_DIR stamp=$WZ_CONSOLE_DIR/node_modules/.wz-lock.sha256 want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  wz_log "console: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || wz_die "console: npm ci failed"
  printf '%s\n' "$want" > "$stamp"
}

# wz_console_build: type-checks and builds dist/, skipped when the sources did not change since
# the last build.
wz_console_build() {
  wz_console_node_ok || wz_die "console: node >= 20 and npm are needed (Debian's nodejs 18 is too old)"
  wz_console_deps
  local dir=$WZ_CONSOLE_DIR stamp=$WZ_CONSOLE_DIR/node_modules/.wz-build.sha256 want
  want=$(cd "$dir" && find src index.html vite.config.ts tsconfig.json package-lock.json -type f -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dir/dist/index.html" ]; then
    wz_log "console: dist is up to date"
    return 0
  fi
  wz_log "console: npm run build"
  (cd "$dir" && npm run build --silent >&2) || wz_die "console: build failed"
  printf '%s\n' "$want" > "$stamp"
}

# wz_console_check: the generated API types match api/openapi.yaml, and the unit tests pass.
wz_console_check() {
  (cd "$WZ_CONSOLE_DIR" && npm run --silent check:api >&2 && npm run --silent test:unit >&2)
}
