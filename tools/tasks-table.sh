#!/usr/bin/env bash
# Prints the README's task table from Makefile.toml (task name + description), so the README
# lists exactly the tasks that exist.
#   tools/tasks-table.sh           print the table
#   tools/tasks-table.sh --check   fail if README.md's table (between the markers) differs
#   tools/tasks-table.sh --write   rewrite README.md's table
set -euo pipefail
cd "$(dirname "$0")/.."

BEGIN='<!-- tasks:begin (tools/tasks-table.sh --write) -->'
END='<!-- tasks:end -->'

table() {
    echo '| task | what it does |'
    echo '|---|---|'
    awk '
        /^\[tasks\./ { name = $0; sub(/^\[tasks\./, "", name); sub(/\].*$/, "", name) }
        /^description = / && name != "" {
            d = $0; sub(/^description = "/, "", d); sub(/"$/, "", d)
            printf "| `cargo make %s` | %s |\n", name, d; name = ""
        }
    ' Makefile.toml
}

readme_table() {
    awk -v b="$BEGIN" -v e="$END" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' README.md
}

case "${1:-}" in
    "") table ;;
    --check)
        if ! diff <(readme_table) <(table); then
            echo "README.md's task table is stale: run tools/tasks-table.sh --write" >&2
            exit 1
        fi
        ;;
    --write)
        new=$(table)
        awk -v b="$BEGIN" -v e="$END" -v t="$new" '
            $0 == b { print; print t; skip = 1; next }
            $0 == e { skip = 0 }
            !skip { print }
        ' README.md >README.md.tmp
        mv README.md.tmp README.md
        ;;
    *) echo "usage: $0 [--check|--write]" >&2 && exit 2 ;;
esac
