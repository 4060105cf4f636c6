#!/usr/bin/env bash
# Installs code-server (a real VS Code workbench + extension host served over HTTP) from the npm registry alone,
# for the extension's end-to-end tests on machines that cannot download VS Code. Idempotent; cached per machine.
# Route (Node 20): code-server 4.100.3 with --ignore-scripts, then its VS Code's own deps without scripts,
# ripgrep from Debian instead of @vscode/ripgrep's download, then native rebuilds.
set -euo pipefail
VERSION=4.100.3
DEST="${ROLLGATE_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollgate/code-server-$VERSION}"
if [ -f "$DEST/.complete" ]; then echo "$DEST"; exit 0; fi
mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"rollgate-code-server","private":true}' > package.json
npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION" >&2
VS="$DEST/node_modules/code-server/lib/vscode"
(cd "$VS" && npm install --no-audit --no-fund --omit=dev --ignore-scripts >&2)
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
ln -sf /usr/bin/rg "$VS/node_modules/@vscode/ripgrep/bin/rg"
(cd "$VS" && npm_config_yes=true npm rebuild >&2)
(cd "$VS/extensions" && npm install --no-audit --no-fund --omit=dev --ignore-scripts >&2)
(cd "$DEST" && npm rebuild argon2 >&2)
touch "$DEST/.complete"
echo "$DEST"
