# The citizen clients: the WeChat mini-program (clients/miniprogram: npm ci, miniprogram_npm by
# miniprogram-ci's packNpm, jest simulator tests) and the H5 message board (clients/h5: npm ci,
# Vite build into dist/, served at /h5/ through h5_dir). Sourced by common.sh. Node 20+ and npm
# come from the machine (Debian 12's nodejs is 18: too old for Vite 8).

WZ_MINIPROGRAM_DIR=${WZ_MINIPROGRAM_DIR:-$WZ_ROOT/clients/miniprogram}
WZ_H5_SRC=${WZ_H5_SRC:-$WZ_ROOT/clients/h5}

wz_citizen_node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  local major; major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  [ "${major:-0}" -ge 20 ]
}

# wz_citizen_npm_ci DIR: npm ci, skipped when node_modules was installed from this very lockfile.
wz_citizen_npm_ci() {
  local dir=$1 stamp=$1/node_modules/.wz-lock.sha256 want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  wz_log "$(basename "$dir"): npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || wz_die "$(basename "$dir"): npm ci failed"
  printf '%s\n' "$want" > "$stamp"
}

# wz_citizen_sources DIR PATHS...: one digest of the named files and folders (what a build reads).
wz_citizen_sources() {
  local dir=$1; shift
  (cd "$dir" && find "$@" -type f -not -path '*/node_modules/*' -print0 2>/dev/null | sort -z | xargs -0 sha256sum \
    | sha256sum | cut -d' ' -f1)
}

# wz_citizen_build: both clients' dependencies, miniprogram_npm (packNpm) and the H5 dist/, each
# skipped when what it is made from did not change.
wz_citizen_build() {
  wz_citizen_node_ok || wz_die "citizen clients: node >= 20 and npm are needed (Debian's nodejs 18 is too old)"
  local mp=$WZ_MINIPROGRAM_DIR h5=$WZ_H5_SRC want stamp
  wz_citizen_npm_ci "$mp"
  stamp=$mp/node_modules/.wz-packnpm.sha256
  want=$(sha256sum "$mp/package-lock.json" | cut -d' ' -f1)
  if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! [ -d "$mp/miniprogram_npm/tdesign-miniprogram" ]; then
    wz_log "miniprogram: packNpm (miniprogram_npm)"
    (cd "$mp" && npm run --silent packnpm >&2) || wz_die "miniprogram: packNpm failed"
    printf '%s\n' "$want" > "$stamp"
  fi
  wz_citizen_npm_ci "$h5"
  stamp=$h5/node_modules/.wz-build.sha256
  want=$(wz_citizen_sources "$WZ_ROOT/clients" h5/src h5/index.html h5/vite.config.js h5/package-lock.json \
    miniprogram/utils/api-core.js miniprogram/utils/labels.js)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$h5/dist/index.html" ]; then
    wz_log "h5: dist is up to date"
    return 0
  fi
  wz_log "h5: npm run build"
  (cd "$h5" && npm run --silent build >&2) || wz_die "h5: build failed"
  printf '%s\n' "$want" > "$stamp"
}

# wz_citizen_check: the mini-program's simulator tests (every page, jest + miniprogram-simulate).
wz_citizen_check() {
  (cd "$WZ_MINIPROGRAM_DIR" && npx --no-install jest --ci >&2)
}
