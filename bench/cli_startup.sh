#!/bin/sh
# CLI start-up: `fireline --help`, `--version` and `incident list` in direct and server mode,
# against `python -c pass`, with hyperfine (apt-get install hyperfine).
#
#     PYTHON=.venv/bin/python bench/cli_startup.sh [BEFORE_SRC]
#
# BEFORE_SRC, the source tree of an older Fireline (for example
# `mkdir /tmp/before && git archive ab9aecd src | tar -x -C /tmp/before`, then /tmp/before/src),
# adds its rows to the same run. The console script next to PYTHON runs with PYTHONPATH set to
# each tree. The database is a migrated SQLite file with the example configuration and three
# incidents; server mode talks to a `fireline serve --no-worker` on it.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
script=$(dirname "$python")/fireline
before=${1:-}
work=$(mktemp -d)
server=
trap 'test -z "$server" || kill "$server"; rm -rf "$work"' EXIT
cd "$work"
now="env PYTHONPATH=$here/src $script"
db=sqlite:///$work/bench.db
$now apply "$here/examples/fireline.yaml" --database-url "$db" >/dev/null
for title in one two three; do
    $now incident declare --title "$title" --service ledger --database-url "$db" >/dev/null
done
token=$($now token create --user alice --database-url "$db")
$now serve --no-worker --port 18080 --database-url "$db" >serve.log 2>&1 &
server=$!
until $now incident list --url http://127.0.0.1:18080 --token "$token" >/dev/null 2>&1; do
    sleep 1
done

set -- -n "python -c pass" "$python -c pass" \
    -n "fireline --help" "$now --help" \
    -n "fireline --version" "$now --version" \
    -n "fireline incident list (direct)" "$now incident list --database-url $db" \
    -n "fireline incident list --url" "$now incident list --url http://127.0.0.1:18080 --token $token"
if [ -n "$before" ]; then
    old="env PYTHONPATH=$before $script"
    set -- "$@" -n "before: fireline --help" "$old --help" \
        -n "before: fireline incident list (direct)" "$old incident list --database-url $db" \
        -n "before: fireline incident list --url" \
        "$old incident list --url http://127.0.0.1:18080 --token $token"
fi
hyperfine -N --warmup 2 --runs 10 --export-markdown "$work/result.md" "$@" >&2
cat "$work/result.md"
