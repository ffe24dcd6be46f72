# How the benchmark scripts (bench-vs-etcd, bench-ab) start one member of a
# 3-member Strata on 127.0.0.1, so both measure the same configuration:
# client port P, peer port P+1, metrics port P+2, heartbeat 100 ms, election
# timeout 1000 ms (etcd's defaults, which bench-vs-etcd gives etcd too).
# Sourced, not run.

# The --initial-cluster value for members s1..s3 at client ports $1..$3.
strata_initial_cluster() {
  local out="" i=1 p
  for p in "$@"; do
    out="$out${out:+,}s$i=http://127.0.0.1:$((p + 1))"
    i=$((i + 1))
  done
  echo "$out"
}

# Starts member s$2 of a new cluster in the background ($! is its pid).
#   strata_member SERVER INDEX CLIENT_PORT INITIAL_CLUSTER DATA_DIR QUOTA_BYTES LOG
strata_member() {
  local server=$1 i=$2 p=$3 initial=$4 dir=$5 quota=$6 log=$7
  "$server" --name "s$i" --data-dir "$dir" \
    --listen-client-urls "http://127.0.0.1:$p" --advertise-client-urls "http://127.0.0.1:$p" \
    --listen-peer-urls "http://127.0.0.1:$((p + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((p + 1))" \
    --listen-metrics-urls "http://127.0.0.1:$((p + 2))" \
    --initial-cluster "$initial" --initial-cluster-state new \
    --quota-backend-bytes "$quota" --heartbeat-interval 100 --election-timeout 1000 \
    >>"$log" 2>&1 &
}
