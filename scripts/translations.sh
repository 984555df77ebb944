#!/usr/bin/env bash
# Refresh resources/i18n/*.ts from the code and compile the .qm files.
exec "$(dirname "$0")/../.venv/bin/python" "$(dirname "$0")/translations.py" "$@"
