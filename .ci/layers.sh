#!/bin/sh
# Checks the direction of the dependencies between the crate's top-level
# modules (src/NAME.rs or src/NAME/): every `crate::NAME` path in a module
# (unit tests included; comments skipped) must be an edge that
# .ci/layers.allow lists, and every edge listed there must point to a lower
# layer, unless it is marked `exception`. Edges listed but no longer in the
# code are reported, so that the list can shrink with them.
# Usage: .ci/layers.sh [--edges]   (--edges prints today's edges and stops)
set -eu
cd "$(dirname "$0")/.."
allow=.ci/layers.allow

# "from to file:line" for every `crate::` path, `crate::{a, b::c}` groups
# included, between two top-level modules (lib.rs and main.rs are the roots).
edges=$(find src -name '*.rs' ! -path src/lib.rs ! -path src/main.rs | LC_ALL=C sort |
  xargs awk '
    function edge(to) {
        if (to != from && to != "self" && to != "super")
            print from, to, FILENAME ":" FNR
    }
    FNR == 1 {
        from = FILENAME
        sub(/^src\//, "", from); sub(/\/.*$/, "", from); sub(/\.rs$/, "", from)
        depth = 0
    }
    /^[ \t]*\/\// { next }
    {
        line = $0
        while (line != "") {
            if (depth > 0) {  # inside a `crate::{ ... }` group
                c = substr(line, 1, 1)
                if (depth == 1 && expect && match(line, /^[A-Za-z_][A-Za-z0-9_]*/)) {
                    edge(substr(line, 1, RLENGTH)); expect = 0
                    line = substr(line, RLENGTH + 1); continue
                }
                if (c == "{") depth++
                else if (c == "}") depth--
                else if (c == ",") expect = 1
                line = substr(line, 2); continue
            }
            if (!match(line, /(^|[^A-Za-z0-9_$])crate::/)) break
            line = substr(line, RSTART + RLENGTH)
            if (match(line, /^[A-Za-z_][A-Za-z0-9_]*/)) edge(substr(line, 1, RLENGTH))
            else if (substr(line, 1, 1) == "{") { depth = 1; expect = 1; line = substr(line, 2) }
        }
    }')

if [ "${1:-}" = --edges ]; then
  printf '%s\n' "$edges" | awk 'NF { print $1, $2 }' | LC_ALL=C sort -u
  exit 0
fi

printf '%s\n' "$edges" | awk -v allow="$allow" '
    BEGIN {
        while ((getline l < allow) > 0) {
            n++
            sub(/#.*/, "", l)
            k = split(l, w, " ")
            if (k == 0) continue
            if (w[1] == "layer") {
                layers++
                for (i = 2; i <= k; i++) rank[w[i]] = layers
            } else if (k == 2 || (k == 3 && w[3] == "exception")) {
                listed[w[1] " " w[2]] = n
                if (k == 3) exception[w[1] " " w[2]] = 1
            } else {
                printf "%s:%d: expected `layer NAME...` or `FROM TO [exception]`\n", allow, n
                bad = 1
            }
        }
        for (e in listed) {
            split(e, m, " ")
            for (i = 1; i <= 2; i++) if (!(m[i] in rank)) {
                printf "%s:%d: module %s is in no layer: add it to a `layer` line\n", allow, listed[e], m[i]
                bad = 1
            }
            if ((m[1] in rank) && (m[2] in rank) && rank[m[2]] >= rank[m[1]] && !(e in exception)) {
                printf "%s:%d: %s -> %s points to %s layer: mark it `exception` with a comment saying why, or remove the edge\n", \
                    allow, listed[e], m[1], m[2], rank[m[2]] == rank[m[1]] ? "the same" : "a higher"
                bad = 1
            }
        }
    }
    NF {
        e = $1 " " $2
        seen[e] = 1
        if (!(e in listed)) {
            printf "%s: %s -> %s is not an edge in %s (", $3, $1, $2, allow
            if (!($1 in rank) || !($2 in rank)) printf "a module in no layer"
            else if (rank[$2] < rank[$1]) printf "it points down: add it"
            else printf "it points up: use a lower module, or move the code"
            printf ")\n"
            bad = 1
        }
    }
    END {
        for (e in listed) if (!(e in seen)) {
            split(e, m, " ")
            printf "%s:%d: %s -> %s is no longer used: remove the line\n", allow, listed[e], m[1], m[2]
            bad = 1
        }
        if (bad) exit 1
    }'
