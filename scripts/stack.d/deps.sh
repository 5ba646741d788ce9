# shellcheck shell=bash
# scripts/stack.d/deps.sh: what the stack runs on. The Debian packages (ensure_deps, through
# scripts/install-deps), finding java and PostgreSQL's binaries, and the download cache
# $MW_CACHE_DIR, shared by every stack on the machine under a lock: the Kafka jars collected
# by Maven from stack/pom.xml (ensure_kafka_libs) and the Apicurio Registry distribution,
# fetched with curl and checked against a pinned SHA-1 (ensure_registry_dist).
#
# Reads: repo (scripts/stack), MW_CACHE_DIR, HOME.
# Sets (deps_init): CACHE, KAFKA_OUT, KAFKA_LIBS, APICURIO_DIR, APICURIO_JAR; at load time the
# pinned APICURIO_VERSION, APICURIO_SHA1, APICURIO_URL.

APICURIO_VERSION=3.0.9
APICURIO_SHA1=4deac01752711c32da5662e7b778b61c5e904746
APICURIO_URL=https://repo.maven.apache.org/maven2/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz

deps_init() {
        CACHE=$(realpath -m -- "${MW_CACHE_DIR:-${HOME:-/root}/.cache/midway}")
        APICURIO_DIR=$CACHE/apicurio-registry-$APICURIO_VERSION
        APICURIO_JAR=$APICURIO_DIR/apicurio-registry-app-$APICURIO_VERSION-runner.jar
        KAFKA_OUT=$CACHE/kafka
        KAFKA_LIBS=$KAFKA_OUT/kafka-libs
}

deps_checked=0
ensure_deps() {
        ((deps_checked)) && return 0
        "$repo/scripts/install-deps" >&2 || die "scripts/install-deps failed"
        deps_checked=1
}

java_bin() {
        local j
        for j in /usr/lib/jvm/java-17-openjdk-*/bin/java; do
                [ -x "$j" ] && {
                        echo "$j"
                        return
                }
        done
        command -v java || die "no java found (scripts/install-deps installs openjdk-17-jre-headless)"
}

pg_bindir() {
        local d
        for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin; do
                [ -n "$d" ] && [ -x "$d/initdb" ] && {
                        echo "$d"
                        return
                }
        done
        die "PostgreSQL server binaries not found (scripts/install-deps installs postgresql)"
}

cache_lock() {
        mkdir -p "$CACHE"
        exec 8>"$CACHE/.lock"
        flock -w 600 8 || die "timed out waiting for the cache lock $CACHE/.lock"
}
cache_unlock() { exec 8>&-; }

kafka_libs_are() { [ "$(cat "$KAFKA_LIBS/.pom.sha1" 2>/dev/null)" = "$1" ]; } # pom-sha1

# Kafka jars: mvn copies them into the cache; redone when stack/pom.xml changes
ensure_kafka_libs() {
        local sum
        sum=$(sha1_of "$repo/stack/pom.xml")
        kafka_libs_are "$sum" && return 0
        cache_lock
        if ! kafka_libs_are "$sum"; then
                log "kafka: collecting jars with maven into $KAFKA_LIBS"
                rm -rf "$KAFKA_OUT"
                mkdir -p "$KAFKA_OUT"
                if ! mvn -q -B -Dstyle.color=never -f "$repo/stack/pom.xml" package \
                        "-Dmidway.stack.out=$KAFKA_OUT" >"$CACHE/mvn.log" 2>&1; then
                        tail -n 30 "$CACHE/mvn.log" >&2
                        die "mvn package failed (log: $CACHE/mvn.log)"
                fi
                compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null || die "mvn left no kafka_2.13 jar in $KAFKA_LIBS"
                echo "$sum" >"$KAFKA_LIBS/.pom.sha1"
        fi
        cache_unlock
}

registry_dist_unpacked() { [ -f "$APICURIO_DIR/.sha1" ] && [ -f "$APICURIO_JAR" ]; }

# Apicurio distribution: curl from Maven Central, SHA-1 pinned, unpacked in the cache
ensure_registry_dist() {
        local jar=$APICURIO_JAR
        local tgz=$CACHE/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz sum
        registry_dist_unpacked && return 0
        cache_lock
        if ! registry_dist_unpacked; then
                if [ -f "$tgz" ] && [ "$(sha1_of "$tgz")" != "$APICURIO_SHA1" ]; then
                        log "registry: cached $tgz has a wrong SHA-1; downloading it again"
                        rm -f "$tgz"
                fi
                if [ ! -f "$tgz" ]; then
                        log "registry: downloading Apicurio Registry $APICURIO_VERSION from Maven Central"
                        curl -fsSL --retry 3 -o "$tgz.part" "$APICURIO_URL" || die "download failed: $APICURIO_URL"
                        sum=$(sha1_of "$tgz.part")
                        if [ "$sum" != "$APICURIO_SHA1" ]; then
                                rm -f "$tgz.part"
                                die "SHA-1 mismatch for $APICURIO_URL: got $sum, expected $APICURIO_SHA1"
                        fi
                        mv "$tgz.part" "$tgz"
                fi
                log "registry: unpacking into $APICURIO_DIR"
                rm -rf "$APICURIO_DIR" "$APICURIO_DIR.part"
                mkdir -p "$APICURIO_DIR.part"
                tar -xzf "$tgz" -C "$APICURIO_DIR.part"
                [ -f "$APICURIO_DIR.part/${jar##*/}" ] || die "no ${jar##*/} in $tgz"
                echo "$APICURIO_SHA1" >"$APICURIO_DIR.part/.sha1"
                mv "$APICURIO_DIR.part" "$APICURIO_DIR"
        fi
        cache_unlock
}
