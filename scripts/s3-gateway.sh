#!/usr/bin/env bash
# A throwaway one-node Ceph cluster with its RADOS Gateway (S3) in a directory: for tests, the bench
# and trying the S3 blob store. Debian's packages: ceph-mon ceph-osd radosgw ceph-common.
#
#   scripts/s3-gateway.sh start <dir> <port>   S3 on 127.0.0.1:<port>; the monitor and OSD take the
#                                              next 21 ports. Prints the settings to reach it
#                                              (AWS_ENDPOINT_URL_S3=..., keys), one per line;
#                                              exits with 3 when a port is in use.
#   scripts/s3-gateway.sh stop <dir>           stops the daemons it started, by their recorded pids
#                                              (SIGKILL: the objects are thrown away).
#
# Objects live in RAM (memstore): stopping loses them. No systemd, no ceph-mgr, no authentication.
set -euo pipefail

ACCESS_KEY=prodimgtestaccesskey
SECRET_KEY=prodimgtestsecretkey0000000000000000000000
# RAM the OSD may hold objects in; it takes only what is stored.
MEMSTORE_BYTES="${S3_GATEWAY_MEMSTORE_BYTES:-2147483648}"
# The pools radosgw would otherwise create one by one on first use, each waiting for a map change.
POOLS=(.rgw.root default.rgw.control default.rgw.meta default.rgw.log default.rgw.buckets.index
  default.rgw.buckets.data default.rgw.buckets.non-ec)
DAEMONS=(rgw osd mon)

die() { echo "s3-gateway: $*" >&2; exit 1; }

port_in_use() { [ -n "$(ss -Htln "sport = :$1")" ]; }

# Runs a daemon in the foreground (-f) in the background, its output in <dir>/log, its pid recorded.
run_daemon() {
  local name=$1; shift
  "$@" -f >"$dir/log/$name.out" 2>&1 &
  echo $! >"$dir/run/$name.pid"
}

# Waits for `$@` to succeed, for up to $timeout seconds (a bound for a broken install, not a delay).
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      stop_daemons
      die "$what did not come up within ${timeout}s (logs in $dir/log)"
    fi
    sleep 0.05
  done
}

# SIGKILL, all at once: the cluster's data is thrown away anyway, and a graceful stop takes 2 s for
# each daemon plus 5 s for an OSD whose monitor is already gone (it waits to say goodbye).
stop_daemons() {
  local name pid pids=()
  for name in "${DAEMONS[@]}"; do
    [ -f "$dir/run/$name.pid" ] || continue
    pid=$(cat "$dir/run/$name.pid")
    kill -KILL "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$dir/run/$name.pid"
  done
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  done
}

start() {
  [[ "$1" =~ ^[0-9]{1,5}$ ]] && [ "$1" -le 65514 ] || die "expected a port number below 65515, got $1"
  local port=$1 mon_port=$(($1 + 1)) first=$(($1 + 2)) last=$(($1 + 21)) p
  command -v radosgw >/dev/null || die "radosgw is not installed (apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common)"
  # A monitor that cannot bind its port would join whatever cluster answers there: refuse instead.
  for p in $(seq "$port" "$last"); do
    port_in_use "$p" && { echo "s3-gateway: port $p is in use (this needs $port-$last free)" >&2; exit 3; }
  done
  [ -e "$dir/ceph.conf" ] && die "$dir already holds a cluster; stop it and use an empty directory"
  mkdir -p "$dir/log" "$dir/run" "$dir/mon" "$dir/osd/ceph-0"
  # A step that fails half-way leaves no daemon behind.
  trap stop_daemons ERR
  local fsid; fsid=$(uuidgen)
  cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = $first
ms bind port max = $last
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
paxos propose interval = 0.05
[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
ms mon client mode = crc
EOF
  local conf=(-c "$dir/ceph.conf")
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mon-mkfs.out" 2>&1
  run_daemon mon ceph-mon "${conf[@]}" -i a
  wait_for "the monitor" 30 ceph "${conf[@]}" --connect-timeout 2 mon stat

  local osd_uuid; osd_uuid=$(uuidgen)
  ceph "${conf[@]}" osd new "$osd_uuid" >/dev/null
  ceph-osd "${conf[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.out" 2>&1
  run_daemon osd ceph-osd "${conf[@]}" -i 0
  local pool pids=()
  for pool in "${POOLS[@]}"; do
    ceph "${conf[@]}" osd pool create "$pool" 8 >/dev/null 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { stop_daemons; die "creating the pools failed"; }; done
  radosgw-admin "${conf[@]}" user create --uid=prodimg --display-name=prodimg \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$dir/log/user-create.out" 2>&1 \
    || { stop_daemons; die "radosgw-admin user create failed (see $dir/log/user-create.out)"; }
  run_daemon rgw radosgw "${conf[@]}" -n client.rgw.gw
  wait_for "the S3 endpoint" 30 curl -sf "http://127.0.0.1:$port/"

  echo "AWS_ENDPOINT_URL_S3=http://127.0.0.1:$port"
  echo "AWS_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "AWS_REGION=us-east-1"
  echo "PRODIMG_S3_FORCE_PATH_STYLE=1"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || die "usage: $0 start <dir> <port>"; dir=$(realpath -m "$2"); start "$3" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop <dir>"; dir=$(realpath -m "$2"); stop_daemons ;;
  *) die "usage: $0 start <dir> <port> | stop <dir>" ;;
esac
