#!/usr/bin/env python3
"""Static validation of docker/compose.yaml without a Docker engine (ctest deploy.compose).

    tests/deploy/check_compose.py BUILD_DIR

1. docker/gen-secrets writes a full set of secrets into a temporary directory, and
   Debian's docker-compose validates the file against them (`config -q`).
2. The resolved configuration (`docker-compose config`) is checked against the
   repository: a producer service, SCRAM user, key and ACLs for every project of
   reference/projects.csv and no other; build contexts, Dockerfiles and every COPY
   source exist; every secret is declared and generated, and has an example; the three
   brokers' quorum matches the services; the registry's settings are those of
   stack/registry.properties; the PostgreSQL login roles exist in the init script;
   Prometheus (docker/prometheus/prometheus.yml) scrapes exactly the services that serve
   metrics (the consumers and the watching producers, MW_METRICS_LISTEN off loopback),
   its rule files are in the image, and its port is published on loopback only.
3. The midway programs built in BUILD_DIR are run with each service's environment and
   command (secret paths mapped to the generated files): `--help` appended (exit 0 only
   if every flag, MW_* variable and -c file is accepted), and each producer as a dry
   run (-n) of a small generated export with its own key and configuration.
4. Self-test: mutated copies of the configuration (a project's producer removed, a
   misspelt variable, a wrong quorum, an unknown property, a missing Dockerfile, a
   consumer without metrics, a consumer Prometheus does not scrape) must each be
   reported, or the test fails.
Nothing is started: no container, no image build, no network.
"""
import copy
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKER = os.path.join(REPO, "docker")
COMPOSE = os.path.join(DOCKER, "compose.yaml")
JOBS = "/usr/local/lib/midway/"
PROGRAMS = ("midway-producer", "midway-erase", "midway-consumer", "midway-admin", "midway-status",
            "midway-report", "midway-gen")


def run(cmd, env=None, **kw):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)


def project_slugs():
    slugs = []
    with open(os.path.join(REPO, "reference/projects.csv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split(";")
            if cols[0].isdigit():
                slugs.append(cols[2])
    return slugs


def known_properties(build):
    """Property names from midway-consumer --help (the shared table of lib/core/conf.c)."""
    out = run([os.path.join(build, "midway-consumer"), "--help"]).stdout
    props = re.findall(r"^  ([a-z][a-z.]*)\s+.*\(default: ", out, re.M)
    if len(props) < 5:
        sys.exit(f"check_compose: found only {len(props)} properties in --help")
    return props


def env_name(prop):
    return "MW_" + re.sub(r"[.-]", "_", prop).upper()


def secret_sources(svc):
    return [s["source"] if isinstance(s, dict) else s for s in svc.get("secrets", [])]


class Checker:
    def __init__(self, build, secrets_dir, work):
        self.build = build
        self.secrets = secrets_dir
        self.work = work
        self.slugs = project_slugs()
        self.props = known_properties(build)
        self.env_names = {env_name(p) for p in self.props}
        self.counts = {}
        acl = run(["sh", os.path.join(DOCKER, "jobs/acl-bindings"),
                   os.path.join(REPO, "reference/projects.csv")])
        if acl.returncode != 0:
            sys.exit(f"check_compose: docker/jobs/acl-bindings failed: {acl.stderr}")
        self.acl_lines = acl.stdout.splitlines()
        # the same bindings as the secure local stack (secure_acl_lines in
        # scripts/stack.d/secure.sh, which it/acl tests against a real broker)
        extract = ('repo=$1; die() { echo "$*" >&2; exit 1; }; '
                   'eval "$(sed -n "/^USERS=()/,/^}/p;/^valid_name()/,/^}/p;'
                   '/^secure_acl_lines()/,/^}/p" "$repo/scripts/stack.d/secure.sh")"; '
                   'secure_acl_lines')
        stack = run(["bash", "-c", extract, "-", REPO],
                    env={k: v for k, v in os.environ.items() if not k.startswith("MW_")})
        self.acl_same = stack.returncode == 0 and stack.stdout.splitlines() == self.acl_lines
        if not self.acl_same:
            print(f"FAIL docker/jobs/acl-bindings differs from scripts/stack --secure's secure_acl_lines "
                  f"({stack.stderr.strip()})", file=sys.stderr)
        self.exports = {}

    def export(self, slug):
        """A small synthetic export of the project (midway-gen, deterministic)."""
        if slug not in self.exports:
            path = os.path.join(self.work, f"export-{slug}.csv")
            with open(path, "w", encoding="utf-8") as f:
                r = subprocess.run([os.path.join(self.build, "midway-gen"), "-p", slug, "-n", "5",
                                    "-s", "1"], stdout=f, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit(f"check_compose: midway-gen -p {slug} failed: {r.stderr}")
            self.exports[slug] = path
        return self.exports[slug]

    def host_path(self, arg):
        if arg.startswith("/run/secrets/"):
            return os.path.join(self.secrets, arg[len("/run/secrets/"):])
        return arg

    # ------------------------------------------------------------------ checks
    def check(self, cfg, run_programs=True):
        errors = []
        services = cfg.get("services", {})
        self.check_projects(services, errors)
        self.check_images(services, errors)
        self.check_secrets(cfg, errors)
        self.check_kafka(services, errors)
        self.check_registry(services, errors)
        self.check_postgres(errors)
        self.check_env(services, errors)
        self.check_prometheus(services, errors)
        if run_programs:
            self.check_programs(services, errors)
        return errors

    def check_projects(self, services, errors):
        producers = {n[len("producer-"):]: s for n, s in services.items()
                     if n.startswith("producer-")}
        for slug in self.slugs:
            svc = producers.get(slug)
            if svc is None:
                errors.append(f"project {slug}: no service producer-{slug}")
                continue
            cmd = svc.get("command") or []
            want = {"-p": slug, "-k": f"/run/secrets/key-{slug}",
                    "-c": f"/run/secrets/producer-{slug}.conf"}
            for flag, value in want.items():
                if flag not in cmd or cmd.index(flag) + 1 >= len(cmd) or \
                        cmd[cmd.index(flag) + 1] != value:
                    errors.append(f"producer-{slug}: command lacks {flag} {value}")
            if "--watch" not in cmd:
                errors.append(f"producer-{slug}: not in --watch mode")
            for s in (f"key-{slug}", f"producer-{slug}.conf"):
                if s not in secret_sources(svc):
                    errors.append(f"producer-{slug}: secret {s} not mounted")
            conf = os.path.join(self.secrets, f"producer-{slug}.conf")
            if not os.path.exists(conf) or \
                    f"kafka.sasl.username={slug}\n" not in open(conf, encoding="utf-8").read():
                errors.append(f"producer-{slug}: its configuration does not log in as SCRAM user {slug}")
            acl = f"User:{slug} TOPIC LITERAL midway.registrations.{slug} WRITE,DESCRIBE"
            if acl not in self.acl_lines:
                errors.append(f"project {slug}: no ACL '{acl}'")
        for slug in producers:
            if slug not in self.slugs:
                errors.append(f"producer-{slug}: not a project of reference/projects.csv")
        users = {line.split()[0] for line in open(os.path.join(self.secrets, "kafka-passwords"))
                 if line.strip()}
        for slug in self.slugs:
            if slug not in users:
                errors.append(f"project {slug}: no SCRAM user in kafka-passwords")
        self.counts.update(projects=len(self.slugs), producers=len(producers),
                           scram_users=len(users), acl_lines=len(self.acl_lines))

    def check_images(self, services, errors):
        n = 0
        for name, svc in services.items():
            build = svc.get("build")
            if not build:
                continue
            ctx = build["context"] if isinstance(build, dict) else build
            dockerfile = os.path.join(ctx, build.get("dockerfile", "Dockerfile")) \
                if isinstance(build, dict) else os.path.join(ctx, "Dockerfile")
            if not os.path.isdir(ctx):
                errors.append(f"{name}: build context {ctx} does not exist")
                continue
            if not os.path.isfile(dockerfile):
                errors.append(f"{name}: {dockerfile} does not exist")
                continue
            n += 1
            text = open(dockerfile, encoding="utf-8").read().replace("\\\n", " ")
            for line in text.splitlines():
                words = line.split()
                if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
                    continue
                srcs = [w for w in words[1:-1] if not w.startswith("--")]
                for src in srcs:
                    if not os.path.exists(os.path.join(ctx, src)):
                        errors.append(f"{name}: {dockerfile}: COPY source {src} does not exist")
        self.counts["built_services"] = n

    def check_secrets(self, cfg, errors):
        declared = cfg.get("secrets", {})
        for name, svc in cfg.get("services", {}).items():
            for s in secret_sources(svc):
                if s not in declared:
                    errors.append(f"{name}: secret {s} is not declared")
            for f in svc.get("env_file", []) or []:
                if not os.path.isfile(f):
                    errors.append(f"{name}: env_file {f} does not exist")
        example = os.path.join(DOCKER, "secrets.example")
        for name, spec in declared.items():
            path = spec.get("file", "")
            if not os.path.isfile(path):
                errors.append(f"secret {name}: {path} was not generated by docker/gen-secrets")
            generic = re.sub(r"^(producer-)[a-z0-9-]+(\.conf)$", r"\1SLUG\2", name)
            if not generic.startswith("key-") and not re.fullmatch(r"kafka[123]\.pem|kafka-ca\.pem|pg-server\.pem", name) \
                    and not os.path.isfile(os.path.join(example, generic)):
                errors.append(f"secret {name}: no example docker/secrets.example/{generic}")
        self.counts["secrets"] = len(declared)

    def check_kafka(self, services, errors):
        template = open(os.path.join(DOCKER, "kafka/server.properties"), encoding="utf-8").read()
        props = dict(line.split("=", 1) for line in template.splitlines()
                     if "=" in line and not line.startswith("#"))
        brokers = {}
        for name, svc in services.items():
            if (svc.get("build") or {}).get("dockerfile") != "docker/kafka/Dockerfile":
                continue
            env = svc.get("environment", {})
            brokers[env.get("NODE_ID")] = env.get("HOST")
            if env.get("HOST") != name:
                errors.append(f"{name}: HOST={env.get('HOST')} is not the service name")
            if f"{env.get('HOST')}.pem" not in secret_sources(svc):
                errors.append(f"{name}: its key store {env.get('HOST')}.pem is not mounted")
        voters = ",".join(f"{i}@{h}:9094" for i, h in sorted(brokers.items(), key=lambda x: str(x[0])))
        if props.get("controller.quorum.voters") != voters:
            errors.append(f"kafka: controller.quorum.voters={props.get('controller.quorum.voters')}"
                          f" but the services give {voters}")
        if len(brokers) != 3:
            errors.append(f"kafka: {len(brokers)} brokers, expected 3")
        for key, want in (("default.replication.factor", "3"), ("min.insync.replicas", "2"),
                          ("offsets.topic.replication.factor", "3"),
                          ("allow.everyone.if.no.acl.found", "false")):
            if props.get(key) != want:
                errors.append(f"kafka: {key}={props.get(key)}, expected {want}")
        topics = open(os.path.join(DOCKER, "jobs/topics"), encoding="utf-8").read()
        if "topic.replication=3" not in topics:
            errors.append("topics job: topics are not created with replication 3")
        self.counts["brokers"] = len(brokers)

    def check_registry(self, services, errors):
        keys = set()
        for line in open(os.path.join(REPO, "stack/registry.properties"), encoding="utf-8"):
            if "=" in line and not line.startswith("#"):
                keys.add(re.sub(r"[.-]", "_", line.split("=", 1)[0].strip()).upper())
        svc = services.get("registry")
        if not svc:
            errors.append("no registry service")
            return
        env = dict(svc.get("environment", {}))
        for f in svc.get("env_file", []) or []:
            if os.path.isfile(f):
                for line in open(f, encoding="utf-8"):
                    if "=" in line:
                        env[line.split("=", 1)[0]] = "(secret)"
        for var in env:
            if var not in keys:
                errors.append(f"registry: {var} is not a setting of stack/registry.properties")
        if "APICURIO_DATASOURCE_PASSWORD" not in env:
            errors.append("registry: no APICURIO_DATASOURCE_PASSWORD")

    def check_postgres(self, errors):
        init = open(os.path.join(DOCKER, "postgres/init.sh"), encoding="utf-8").read()
        logins = set(re.findall(r"CREATE ROLE (\w+) LOGIN", init))
        members = dict(re.findall(r"CREATE ROLE (\w+) LOGIN .*IN ROLE (\w+);", init))
        pw = {line.split()[0] for line in open(os.path.join(self.secrets, "pg-passwords")) if line.strip()}
        expect = {"consumer.conf": "midway_pipeline", "report.conf": "midway_evaluator",
                  "migrate.conf": None}
        for conf, group in expect.items():
            text = open(os.path.join(self.secrets, conf), encoding="utf-8").read()
            m = re.search(r"^pg\.conninfo=.*\buser=(\w+)", text, re.M)
            if not m:
                errors.append(f"{conf}: no pg.conninfo with a user")
                continue
            user = m.group(1)
            if user not in logins:
                errors.append(f"{conf}: user {user} is not created by docker/postgres/init.sh")
            if user not in pw:
                errors.append(f"{conf}: user {user} has no password in pg-passwords")
            if group and members.get(user) != group:
                errors.append(f"{conf}: user {user} is not in role {group}")

    def check_prometheus(self, services, errors):
        svc = services.get("prometheus")
        if svc is None:
            errors.append("no prometheus service")
            return
        build = svc.get("build")
        if not isinstance(build, dict) or build.get("dockerfile") != "docker/prometheus/Dockerfile":
            errors.append("prometheus: not built from docker/prometheus/Dockerfile")
        for port in svc.get("ports") or []:
            # "IP:HOST:CONTAINER", HOST possibly "${VAR:-default}"
            host_ip = port.get("host_ip") if isinstance(port, dict) else \
                (str(port).split(":")[0] if str(port).count(":") >= 2 else "")
            if host_ip != "127.0.0.1":
                errors.append(f"prometheus: port {port} is published beyond the host's loopback")
        pdir = os.path.join(DOCKER, "prometheus")
        conf = yaml.safe_load(open(os.path.join(pdir, "prometheus.yml"), encoding="utf-8"))
        dockerfile = open(os.path.join(pdir, "Dockerfile"), encoding="utf-8").read()
        for rules in conf.get("rule_files") or []:
            if not os.path.isfile(os.path.join(pdir, rules)) or \
                    f"docker/prometheus/{rules}" not in dockerfile:
                errors.append(f"prometheus.yml: rule file {rules} missing or not in the image")
        targets = set()
        for job in conf.get("scrape_configs") or []:
            for sc in job.get("static_configs") or []:
                targets.update(sc.get("targets") or [])
        want = set()
        for name, s in services.items():
            cmd = s.get("command") or []
            prog = os.path.basename(cmd[0]) if cmd else ""
            if prog != "midway-consumer" and not (prog == "midway-producer" and "--watch" in cmd):
                continue
            listen = str((s.get("environment") or {}).get("MW_METRICS_LISTEN", ""))
            if not listen or listen.startswith("127.") or ":" not in listen:
                errors.append(f"{name}: serves no metrics Prometheus can reach "
                              f"(MW_METRICS_LISTEN '{listen}')")
                continue
            want.add(f"{name}:{listen.rsplit(':', 1)[1]}")
        for t in sorted(want - targets):
            errors.append(f"prometheus.yml: {t} is not scraped")
        for t in sorted(targets - want):
            errors.append(f"prometheus.yml: target {t} is no service that serves metrics")
        self.counts["scrape_targets"] = len(targets)

    def check_env(self, services, errors):
        for name, svc in services.items():
            cmd = svc.get("command") or []
            if not cmd or not (os.path.basename(cmd[0]) in PROGRAMS or cmd[0].startswith(JOBS)):
                continue
            for var in svc.get("environment", {}):
                if var.startswith("MW_") and var not in self.env_names:
                    errors.append(f"{name}: {var} is not a midway property "
                                  f"(known: {', '.join(sorted(self.env_names))})")

    def program_run(self, name, svc, cmd, errors):
        env = {"PATH": self.build + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": self.work}
        for k in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update({k: str(v) for k, v in svc.get("environment", {}).items()})
        r = run(cmd, env=env, cwd=self.work, timeout=120)
        if r.returncode != 0:
            errors.append(f"{name}: '{' '.join(cmd)}' exited {r.returncode}: "
                          f"{(r.stderr or r.stdout).strip()[-300:]}")
        return r

    def check_programs(self, services, errors):
        ran = dry = 0
        for name, svc in sorted(services.items()):
            cmd = list(svc.get("command") or [])
            if not cmd:
                continue
            prog = os.path.basename(cmd[0])
            args = [self.host_path(a) for a in cmd[1:]]
            if cmd[0].startswith(JOBS):
                job = os.path.join(DOCKER, "jobs", cmd[0][len(JOBS):])
                if not os.path.isfile(job):
                    errors.append(f"{name}: {cmd[0]} is not in docker/jobs/")
                    continue
                if prog == "topics":  # connects to Kafka: check its configuration only
                    self.program_run(name, svc, ["midway-admin", "-c",
                                                 self.host_path("/run/secrets/kafka-admin.conf"),
                                                 "-o", "topic.replication=3", "--help"], errors)
                else:
                    self.program_run(name, svc, ["sh", job] + args + ["--help"], errors)
                ran += 1
                continue
            if prog not in PROGRAMS:
                continue
            if prog == "midway-producer":
                # a dry run of a small export: the key file, the -c file and the flags
                # are all read as in the container; --watch is replaced by the file
                out, skip = [], 0
                for a in args:
                    if skip:
                        skip -= 1
                    elif a in ("--watch", "-w", "--state-dir", "-s"):
                        skip = 1
                    else:
                        out.append(a)
                slug = args[args.index("-p") + 1] if "-p" in args else "?"
                r = self.program_run(name, svc, [prog] + out + ["-n", self.export(slug)], errors)
                if r.returncode == 0 and not r.stdout.strip():
                    errors.append(f"{name}: the dry run printed no events")
                dry += 1
            else:
                self.program_run(name, svc, [prog] + args + ["--help"], errors)
                ran += 1
        self.counts.update(program_runs=ran, producer_dry_runs=dry)


def kafka_libs():
    d = os.environ.get("MW_KAFKA_LIBS") or os.path.join(
        os.environ.get("MW_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache/midway"),
        "kafka/kafka-libs")
    return d if os.path.isdir(d) and any(f.startswith("kafka_2.13-") for f in os.listdir(d)) else None


def kafka_format(libs, work, node, host, text):
    """Kafka's own StorageTool formats a node's storage from the rendered configuration:
    it parses and validates the whole broker configuration (KafkaConfig), listeners and
    quorum included, and the SCRAM arguments as start.sh passes them."""
    d = os.path.join(work, f"kafka-{host}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    conf = os.path.join(d, "server.properties")
    text = text.replace("@NODE_ID@", str(node)).replace("@HOST@", host)
    text = text.replace("@BROKER_PASSWORD@", "x")
    text = re.sub(r"^log\.dirs=.*$", f"log.dirs={d}/data", text, flags=re.M)
    open(conf, "w").write(text)
    with open(os.path.join(d, "scram.args"), "w") as f:
        f.write("--add-scram\nSCRAM-SHA-512=[name=admin,password=x]\n")
    return run(["java", f"-Dlog4j.configuration=file:{REPO}/stack/log4j.properties", "-cp",
                f"{libs}/*", "kafka.tools.StorageTool", "format", "--ignore-formatted", "-t",
                "AAAAAAAAAAAAAAAAAAAAAA", "-c", conf, "@" + os.path.join(d, "scram.args")],
               timeout=120)


def check_kafka_config(work, cfg, errors):
    libs = kafka_libs()
    if not libs or not shutil.which("java"):
        print("NOT RUN: Kafka's validation of docker/kafka/server.properties (no Kafka jars "
              "in the cache yet: `scripts/stack up` collects them)")
        return
    template = open(os.path.join(DOCKER, "kafka/server.properties"), encoding="utf-8").read()
    n = 0
    for name, svc in sorted(cfg["services"].items()):
        env = svc.get("environment", {})
        if "NODE_ID" not in env:
            continue
        r = kafka_format(libs, work, env["NODE_ID"], env.get("HOST", name), template)
        if r.returncode != 0:
            errors.append(f"{name}: Kafka refuses its configuration: {r.stderr.strip()[-400:]}")
            print(f"FAIL {errors[-1]}", file=sys.stderr)
        else:
            n += 1
    # a node that is not in the quorum must be refused, or this check proves nothing
    r = kafka_format(libs, work, 4, "kafka4", template)
    if r.returncode == 0:
        errors.append("self-test: Kafka's StorageTool accepted node 4, which is not a voter")
        print(f"FAIL {errors[-1]}", file=sys.stderr)
    print(f"Kafka (StorageTool format, {os.path.basename(libs)}): {n} node configurations "
          f"accepted; node 4 outside the quorum refused: {r.returncode != 0}")


def ignored(patterns, path):
    """Whether .dockerignore's patterns leave path out of the build context:
    the last pattern that matches the path or a folder above it decides
    ("!" re-includes); "**/" matches any depth, including none."""
    parts = path.split("/")
    out = False
    for p in patterns:
        neg = p.startswith("!")
        pat = p[1:] if neg else p
        cands = [pat] + ([pat[3:]] if pat.startswith("**/") else [])
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if any(fnmatch.fnmatchcase(sub, c) for c in cands):
                out = not neg
                break
    return out


# Paths that must stay out of the build context, and paths the images need.
SECRET_PATHS = ["docker/secrets/pg-passwords", "docker/secrets/kafka-ca.pem",
                "docker/spool/odder/export-2015-07.csv", "spool/odder/x.csv",
                "keys/odder.key", "build/test/midway-producer", ".git/config",
                "docker/spool/odder/done/x.csv.rejects"]
NEEDED_PATHS = ["reference/projects.csv", "schemas/registration.avsc", "lib/core/cli.c",
                "docker/jobs/topics", "docker/Dockerfile", "stack/pom.xml",
                "migrations/0001_core.sql", "migrations/functions/30_status.sql",
                "CMakeLists.txt", "tests/fixtures/exports/utf8.csv"]


def check_dockerignore(patterns, errors):
    """Keys, passwords and CPR exports stay out of the images' build context
    (DOCKER.md: `COPY . /src` took docker/secrets/ and the spool folders);
    what the images build from stays in."""
    n = len(errors)
    for path in SECRET_PATHS:
        if not ignored(patterns, path):
            errors.append(f".dockerignore: {path} would enter the build context")
    for path in NEEDED_PATHS:
        if ignored(patterns, path):
            errors.append(f".dockerignore: {path}, which the images need, is left out")
    return errors[n:]


def read_dockerignore():
    path = os.path.join(REPO, ".dockerignore")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]


def compose(args, env):
    return run(["docker-compose", "-f", COMPOSE] + args, env=env)


def main():
    if len(sys.argv) != 2:
        print("usage: check_compose.py BUILD_DIR", file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    if not shutil.which("docker-compose"):
        print("check_compose: docker-compose is missing (scripts/install-deps)", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="mw-compose-")
    try:
        secrets = os.path.join(work, "secrets")
        r = run([os.path.join(DOCKER, "gen-secrets"), secrets])
        if r.returncode != 0:
            print(f"docker/gen-secrets failed: {r.stderr}", file=sys.stderr)
            return 1
        print(r.stdout.strip())
        env = dict(os.environ, MW_SECRETS_DIR=secrets, MW_SPOOL_DIR=os.path.join(work, "spool"))
        r = compose(["config", "-q"], env)
        if r.returncode != 0:
            print(f"docker-compose config -q failed:\n{r.stderr}", file=sys.stderr)
            return 1
        print("docker-compose config -q: valid")
        r = compose(["config"], env)
        cfg = yaml.safe_load(r.stdout)

        checker = Checker(build, secrets, work)
        errors = checker.check(cfg)
        for e in errors:
            print(f"FAIL {e}", file=sys.stderr)
        check_kafka_config(work, cfg, errors)
        patterns = read_dockerignore()
        for e in check_dockerignore(patterns, errors):
            print(f"FAIL {e}", file=sys.stderr)
        # self-test: without its secrets line the check must object
        weak = [p for p in patterns if p != "docker/secrets"]
        if not check_dockerignore(weak, []):
            errors.append("self-test: a .dockerignore without docker/secrets passed")
            print(f"FAIL {errors[-1]}", file=sys.stderr)
        print(f".dockerignore: {len(SECRET_PATHS)} secret and export paths left out, "
              f"{len(NEEDED_PATHS)} source paths kept; without 'docker/secrets' it objects")
        print("compared: " + ", ".join(f"{k} {v}" for k, v in checker.counts.items()))

        # the example secrets are accepted by the programs that read them
        ex = os.path.join(DOCKER, "secrets.example")
        for conf, prog in (("consumer.conf", "midway-consumer"), ("migrate.conf", "midway-admin"),
                           ("report.conf", "midway-report"), ("kafka-admin.conf", "midway-admin"),
                           ("producer-SLUG.conf", "midway-producer")):
            r = run([os.path.join(build, prog), "-c", os.path.join(ex, conf), "--help"])
            if r.returncode != 0:
                errors.append(f"secrets.example/{conf}: {prog} refuses it: {r.stderr.strip()}")
                print(f"FAIL {errors[-1]}", file=sys.stderr)

        # self-test: each mutation must be reported
        def drop_producer(c):
            del c["services"]["producer-odder"]

        def misspelt_env(c):
            c["services"]["consumer-1"]["environment"]["MW_BROKER"] = "kafka1:9092"

        def wrong_quorum(c):
            c["services"]["kafka3"]["environment"]["NODE_ID"] = "4"

        def unknown_property(c):
            c["services"]["consumer-2"]["command"] += ["-o", "batch.rowz=10"]

        def missing_dockerfile(c):
            c["services"]["migrate"]["build"]["dockerfile"] = "docker/Dockerfile.missing"

        def foreign_producer(c):
            c["services"]["producer-atlantis"] = copy.deepcopy(c["services"]["producer-odder"])

        def metrics_off(c):
            del c["services"]["consumer-1"]["environment"]["MW_METRICS_LISTEN"]

        def unscraped_consumer(c):
            c["services"]["consumer-3"] = copy.deepcopy(c["services"]["consumer-1"])

        mutations = [drop_producer, misspelt_env, wrong_quorum, unknown_property,
                     missing_dockerfile, foreign_producer, metrics_off, unscraped_consumer]
        detected = 0
        for m in mutations:
            c = copy.deepcopy(cfg)
            m(c)
            errs = checker.check(c, run_programs=(m is unknown_property))
            if errs:
                detected += 1
                print(f"self-test {m.__name__}: detected ({errs[0]})")
            else:
                print(f"FAIL self-test {m.__name__}: not detected", file=sys.stderr)
        print(f"self-test: {detected} of {len(mutations)} mutations detected")
        print(f"ACL bindings equal to scripts/stack --secure: {checker.acl_same}")
        if errors or detected != len(mutations) or not checker.acl_same:
            return 1
        print("compose: OK")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
