#!/bin/sh
# Checks name resolution and HTTP reachability of each target given
# (default: a few well-known ones). Exits non-zero if any check fails.
set -u

if [ "$#" -eq 0 ]; then
    set -- kubernetes.default.svc.cluster.local example.com
fi

failed=0
for host in "$@"; do
    if nslookup "$host" >/dev/null 2>&1; then
        echo "ok   dns  $host"
    else
        echo "FAIL dns  $host"
        failed=1
        continue
    fi
    if curl -sS -o /dev/null --max-time 5 "https://$host/" 2>/dev/null; then
        echo "ok   http $host"
    else
        echo "FAIL http $host"
        failed=1
    fi
done

exit "$failed"
