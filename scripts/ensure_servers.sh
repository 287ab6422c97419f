#!/bin/sh
# Servers for the testbed (syncmodel.testbed, `make validate`, the slow integration tests):
# etcd, Redis + Sentinel, Memcached, ZooKeeper (+ a headless JRE). On Debian as root, install
# the missing ones with apt-get, without starting their system services (the testbed starts its
# own on free loopback ports). Never fails the build: tests skip, with the reason, what is missing.
need=""
command -v etcd >/dev/null 2>&1 || need="$need etcd-server"
command -v etcdctl >/dev/null 2>&1 || need="$need etcd-client"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
command -v redis-sentinel >/dev/null 2>&1 || need="$need redis-sentinel"
command -v memcached >/dev/null 2>&1 || need="$need memcached"
[ -f /usr/share/java/zookeeper.jar ] || need="$need zookeeper"
command -v java >/dev/null 2>&1 || need="$need default-jre-headless"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "syncmodel: installing testbed servers with apt-get:$need"
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  # shellcheck disable=SC2086
  apt-get update -q >/dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null
  status=$?
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $status = 0 ] && exit 0
  echo "syncmodel: apt-get could not install:$need; the testbed tests will be skipped"
else
  echo "syncmodel: testbed servers missing:$need (install them as root with apt-get, or run 'make validate' as root); their tests will be skipped"
fi
exit 0
