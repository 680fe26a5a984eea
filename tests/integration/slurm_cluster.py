#!/usr/bin/env python3
"""A one-node Slurm cluster and a throwaway PostgreSQL for the shard tests
(stdlib only).

What it provides
  * munged + slurmctld + slurmd, one node, own config  start_cluster()
  * a batch array job, waited for                      Cluster.sbatch_array()
  * PostgreSQL 15 with a database for the store        start_pg_store()

Same rules as harness.py: every daemon runs in the FOREGROUND as a child
of the test (munged -F, slurmctld -D, slurmd -D, postgres -D), in its own
session, stopped by PID / its own process group at exit; every
configuration, key, state, spool, log, pid and socket file lies in the
harness temp dir; the system's /etc/slurm, /etc/munge, /run/munge and
systemd are never used.  A daemon that cannot start raises
harness.SetupError, which FAILS the test.

Preferably everything runs inside one harness.NetNS (start_cluster(ns),
start_pg_store(ns)): the daemons listen on 127.0.0.1 of a namespace whose
only interface is its own `lo`, the batch jobs slurmd starts run in that
namespace too, and the host's loopback is never touched.  Without a
namespace the daemons bind 127.0.0.1 of the host only
(CommunicationParameters=NoCtldInAddrAny,NoInAddrAny; slurmd -N localhost,
NodeAddr=127.0.0.1).

Slurm 22.05 (Debian 12: packages slurmctld, slurmd, slurm-client, munge)
notes, learnt on this machine:
  * cgroup.conf pins CgroupPlugin=cgroup/v1: autodetection is fatal on a
    host with both v1 and a v2 "unified" mount; proctrack/linuxproc and
    task/none need no cgroup at all.
  * slurmctld accepts to be the controller only when SlurmctldHost names
    this machine's short host name (gethostname), so the controller is
    `HOSTNAME(127.0.0.1)`: the address is given, nothing is resolved.  The
    node is `localhost` (slurmd -N localhost, NodeAddr=127.0.0.1).
  * the clients (sbatch, sinfo, squeue, scancel) find slurm.conf through
    $SLURM_CONF, and munged's socket through AuthInfo=socket=PATH in it
    (auth/munge and cred/munge both read it).
  * munged wants its key 0400/0600 owned by its user, its socket, log and
    seed directories not writable by group/other, and every directory above
    the socket traversable (the harness temp dir is made 0711); a unix
    socket path has at most 107 bytes.
  * CPUs=4 is declared whatever the machine has (SlurmdParameters=
    config_overrides) so that a 4-task array runs at once on 2 cores;
    MinJobAge=5 keeps `sbatch --wait` polling every 2 s and ended jobs
    visible for a few seconds.

    python3 tests/integration/slurm_cluster.py     # self-test, prints timings
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import time

import harness as h

# Debian 12 packages (scripts/install-deps.sh): slurmctld slurmd slurm-client munge
CGROUP_CONF = """\
CgroupPlugin=cgroup/v1
IgnoreSystemd=yes
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainDevices=no
"""

SLURM_CONF = """\
ClusterName=tlsaudit
SlurmctldHost={ctld_host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation={state}
SlurmdSpoolDir={spool}
SlurmctldPidFile={run}/slurmctld.pid
SlurmdPidFile={run}/slurmd.pid
SlurmctldLogFile={log}/slurmctld.log
SlurmdLogFile={log}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
MinJobAge=5
InactiveLimit=0
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=30
MaxArraySize=1001
TmpFS={tmp}
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
"""


def _need(prog, package):
    p = shutil.which(prog) or (os.path.exists(prog) and prog)
    if not p:
        raise h.SetupError("%s not found: install the Debian package(s) %s "
                           "(scripts/install-deps.sh)" % (prog, package))
    return p


def _mkdirs(*paths, mode=0o755):
    for p in paths:
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)


class ArrayResult:
    """What one sbatch_array() ran: .job_id, .n, .dir (the job's directory),
    .outputs (per task: its stdout+stderr file), .elapsed (seconds)."""

    def output(self, k):
        return h.read_log(self.outputs[k], 1 << 20)


class Cluster:
    """A running one-node cluster.  .conf (slurm.conf path), .dir, .ns (the
    NetNS or None), .env (the environment the clients need), .timings."""

    def __init__(self):
        self.procs = []
        self.jobs = []
        self.stopped = False
        self.timings = {}
        self._arrays = 0

    # -- clients ---------------------------------------------------------
    def cmd(self, argv):
        return self.ns.cmd(argv) if self.ns is not None else list(argv)

    def client(self, argv, check=True, timeout=30, env=None):
        e = dict(self.base_env)
        if env:
            e.update(env)
        return h.run(self.cmd(argv), check=check, timeout=timeout, env=e)

    def logs(self, limit=3000):
        return "\n".join("--- %s ---\n%s" % (os.path.basename(p), h.read_log(p, limit))
                         for p in (self.munge_log, self.ctld_log, self.slurmd_log))

    def node_state(self):
        cp = self.client(["sinfo", "-h", "-N", "-o", "%N %T"], check=False)
        return cp.stdout.decode(errors="replace").strip()

    def _check_alive(self, what):
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise h.SetupError("%s exited (rc=%s) %s\n%s" % (name, proc.returncode, what,
                                                                 self.logs()))

    # -- jobs ------------------------------------------------------------
    def sbatch_array(self, script, n, env=None, timeout=120, name=None):
        """`sbatch --wait --array=0-(n-1)` of SCRIPT (the text of a script with
        its #! line, or the path of an executable one): each task runs it
        once with SLURM_ARRAY_TASK_ID = 0..n-1, 1 CPU, in the job's own
        directory, its stdout and stderr to task-K.out there.  The job's
        environment (sbatch --export=ALL) is this process's without its
        SLURM_*, SBATCH_*, SQUEUE_*, SINFO_* and MUNGE_* variables, plus
        SLURM_CONF and ENV.
        Returns an ArrayResult when every task ended with status 0; raises
        harness.SetupError with the tasks' output and the daemons' logs
        when a task failed, did not run, or the job outlasted TIMEOUT
        seconds (then it is cancelled)."""
        if self.stopped:
            raise h.SetupError("sbatch_array: the cluster is stopped")
        self._arrays += 1
        name = name or "array%d" % self._arrays
        d = os.path.join(self.dir, "jobs", name)
        _mkdirs(d)
        if os.path.isfile(script):
            user = os.path.abspath(script)
        else:
            user = os.path.join(d, "task.sh")
            with open(user, "w") as f:
                f.write(script)
            os.chmod(user, 0o755)
        # our wrapper: runs the user's script, records its exit status per task
        wrapper = os.path.join(d, "batch.sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\n"
                    "%s\n"
                    "rc=$?\n"
                    "echo \"$rc\" > %s/rc.\"$SLURM_ARRAY_TASK_ID\"\n"
                    "exit \"$rc\"\n" % (_sh_quote(user), _sh_quote(d)))
        os.chmod(wrapper, 0o755)
        argv = ["sbatch", "--wait", "--parsable", "--array=0-%d" % (n - 1),
                "--job-name=" + name, "--ntasks=1", "--cpus-per-task=1",
                "--chdir=" + d, "--output=" + os.path.join(d, "task-%a.out"),
                "--export=ALL", wrapper]
        e = dict(self.base_env)
        if env:
            e.update(env)
        t0 = time.time()
        h.log("sbatch array %s of %d tasks: %s" % (name, n, user))
        proc = subprocess.Popen(self.cmd(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=e, start_new_session=True)
        job_id = None
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            h.stop_process(proc, "sbatch")
            out, err = proc.communicate()
            job_id = _job_id(out)
            if job_id:
                self.client(["scancel", job_id], check=False)
            raise h.SetupError("array job %s (%s) did not end within %ss; queue:\n%s\n%s\n%s"
                               % (name, job_id, timeout, self._squeue(),
                                  self._task_report(d, n), self.logs()))
        elapsed = time.time() - t0
        job_id = _job_id(out)
        if job_id:
            self.jobs.append(job_id)
        res = ArrayResult()
        res.job_id, res.n, res.dir, res.elapsed = job_id, n, d, elapsed
        res.outputs = [os.path.join(d, "task-%d.out" % k) for k in range(n)]
        rcs = {}
        for k in range(n):
            try:
                with open(os.path.join(d, "rc.%d" % k)) as f:
                    rcs[k] = int(f.read().strip())
            except (OSError, ValueError):
                rcs[k] = None
        bad = [k for k in range(n) if rcs[k] != 0]
        if proc.returncode != 0 or bad or not job_id:
            raise h.SetupError(
                "array job %s (job %s): sbatch exited %d (%s); tasks not ended with status 0: "
                "%s\n%s\n%s" % (name, job_id, proc.returncode,
                                err.decode(errors="replace").strip()[-2000:],
                                ", ".join("%d (%s)" % (k, "never ran" if rcs[k] is None
                                                       else "exit %d" % rcs[k]) for k in bad)
                                or "none", self._task_report(d, n), self.logs()))
        h.log("array job %s (job %s): %d tasks ended with status 0 in %.1fs"
              % (name, job_id, n, elapsed))
        return res

    def _squeue(self):
        cp = self.client(["squeue", "-a", "-r", "-o", "%i %T %R"], check=False)
        return cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")

    @staticmethod
    def _task_report(d, n):
        parts = []
        for k in range(n):
            parts.append("--- task %d output ---\n%s" % (
                k, h.read_log(os.path.join(d, "task-%d.out" % k), 3000)))
        return "\n".join(parts)

    # -- shutdown --------------------------------------------------------
    def stop(self):
        """Cancel what is still queued or running, then stop slurmd,
        slurmctld and munged (in that order) by PID / process group."""
        if self.stopped:
            return
        self.stopped = True
        t0 = time.time()
        alive = all(p.poll() is None for _, p in self.procs)
        if alive:
            cp = self.client(["squeue", "-h", "-o", "%A"], check=False, timeout=10)
            ids = cp.stdout.decode(errors="replace").split()
            if ids:
                h.log("cancelling jobs left: %s" % " ".join(ids))
                self.client(["scancel"] + ids, check=False, timeout=10)
                deadline = time.time() + 10
                while time.time() < deadline:
                    cp = self.client(["squeue", "-h", "-o", "%A"], check=False, timeout=10)
                    if not cp.stdout.strip():
                        break
                    time.sleep(0.5)
        for name, proc in reversed(self.procs):
            h.stop_process(proc, name)
        self.timings["down"] = time.time() - t0


def _job_id(out):
    s = (out or b"").decode(errors="replace").strip().splitlines()
    if not s:
        return None
    jid = s[-1].split(";")[0].strip()
    return jid if jid.isdigit() else None


def _sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _short_hostname():
    return socket.gethostname().split(".")[0]


LOOPBACK_ALIAS = "127.255.255.254"


def loopback_alias(ns):
    """A second IPv4 address on the namespace's `lo`.  Slurm resolves every
    name, numeric ones too, with getaddrinfo(AF_INET, AI_ADDRCONFIG), and
    glibc answers EAI_NONAME at once when the only IPv4 address configured
    is 127.0.0.1 (check_pf.c does not count INADDR_LOOPBACK): in a
    namespace with nothing but `lo` no daemon or client starts ("Unable to
    resolve 127.0.0.1").  Any other address on `lo` counts; it stays inside
    the namespace's loopback."""
    cp = ns.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"], check=False)
    if (" %s/" % LOOPBACK_ALIAS) not in cp.stdout.decode(errors="replace"):
        ns.run(["ip", "addr", "add", LOOPBACK_ALIAS + "/32", "dev", "lo"])


def start_cluster(netns=None, cpus=4, timeout=30):
    """munged, slurmctld and slurmd (one node `localhost`, CPUS CPUs, one
    partition `test`), each in the foreground with its own files under
    harness.tmpdir()/slurm-XXXXXX, inside NETNS (a harness.NetNS) when given.
    Returns a Cluster once the node is idle; it is stopped at exit."""
    munged = _need("/usr/sbin/munged", "munge")
    _need("munge", "munge")
    slurmctld = _need("/usr/sbin/slurmctld", "slurmctld")
    slurmd = _need("/usr/sbin/slurmd", "slurmd")
    for prog in ("sbatch", "sinfo", "squeue", "scancel"):
        _need(prog, "slurm-client")
    t0 = time.time()
    top = h.tmpdir()
    os.chmod(top, 0o711)       # munge clients traverse it (see the module doc)
    c = Cluster()
    c.ns = netns
    if netns is not None:
        loopback_alias(netns)
    c.dir = d = os.path.join(top, "slurm-" + secrets.token_hex(3))
    etc, munge_d, state, spool, run, log, tmp = (
        os.path.join(d, s) for s in ("etc", "munge", "state", "spool", "run", "log", "tmp"))
    _mkdirs(d, etc, munge_d, state, spool, run, log)
    _mkdirs(tmp, mode=0o1777)
    # munge: a fresh key, 0400 root
    key = os.path.join(munge_d, "munge.key")
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(1024))
    c.munge_socket = os.path.join(munge_d, "munge.sock")
    if len(c.munge_socket.encode()) > 107:
        raise h.SetupError("munge socket path too long for a unix socket (%d bytes): %s"
                           % (len(c.munge_socket.encode()), c.munge_socket))
    c.munge_log = os.path.join(log, "munged.log")
    c.ctld_log = os.path.join(log, "slurmctld.log")
    c.slurmd_log = os.path.join(log, "slurmd.log")
    ctld_port, slurmd_port = h.free_port(), h.free_port()
    c.conf = os.path.join(etc, "slurm.conf")
    text = SLURM_CONF.format(ctld_host=_short_hostname(), ctld_port=ctld_port,
                             slurmd_port=slurmd_port, munge_socket=c.munge_socket,
                             state=state, spool=spool, run=run, log=log, tmp=tmp, cpus=cpus)
    with open(c.conf, "w") as f:
        f.write(text)
    with open(os.path.join(etc, "cgroup.conf"), "w") as f:
        f.write(CGROUP_CONF)
    c.conf_text = text
    c.env = {"SLURM_CONF": c.conf}
    # clients must not inherit a job's or another cluster's settings
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("SLURM_", "SBATCH_", "SQUEUE_", "SINFO_", "MUNGE_"))}
    base_env["SLURM_CONF"] = c.conf
    c.base_env = base_env

    def start(name, argv, log_path):
        proc = h.start_process(c.cmd(argv), name, log_path, env=base_env, cwd=d)
        c.procs.append((name, proc))
        return proc

    # 1. munged
    start("munged", [munged, "-F", "--socket=" + c.munge_socket, "--key-file=" + key,
                     "--pid-file=" + os.path.join(munge_d, "munged.pid"),
                     "--log-file=" + c.munge_log,
                     "--seed-file=" + os.path.join(munge_d, "munged.seed"),
                     "--num-threads=2"], os.path.join(log, "munged.stdout"))
    deadline = time.time() + timeout
    while not os.path.exists(c.munge_socket):
        c._check_alive("before its socket appeared")
        if time.time() > deadline:
            raise h.SetupError("munged did not create %s within %ss\n%s"
                               % (c.munge_socket, timeout, c.logs()))
        time.sleep(0.05)
    cp = h.run(["munge", "-n", "--socket=" + c.munge_socket], check=False, timeout=10)
    if cp.returncode != 0:
        raise h.SetupError("munge -n failed: %s\n%s" % (cp.stderr.decode(errors="replace"),
                                                        c.logs()))
    c.timings["munged"] = time.time() - t0
    # 2. slurmctld and slurmd (slurmd retries its registration until the controller answers)
    start("slurmctld", [slurmctld, "-D", "-i", "-f", c.conf],
          os.path.join(log, "slurmctld.stdout"))
    start("slurmd", [slurmd, "-D", "-N", "localhost", "-f", c.conf],
          os.path.join(log, "slurmd.stdout"))
    h.add_cleanup(c.stop)      # LIFO: cancels the jobs before the daemons' own cleanups
    # 3. the node idle
    state_txt = ""
    while True:
        c._check_alive("while the node registered")
        state_txt = c.node_state()
        if state_txt.split()[-1:] == ["idle"]:
            break
        if time.time() > deadline:
            raise h.SetupError("the node is not idle after %ss (sinfo: %r)\n%s"
                               % (timeout, state_txt, c.logs()))
        time.sleep(0.2)
    c.timings["up"] = time.time() - t0
    h.log("slurm cluster up in %.1fs (%s; controller 127.0.0.1:%d, slurmd :%d%s)"
          % (c.timings["up"], state_txt, ctld_port, slurmd_port,
             ", netns " + netns.name if netns is not None else ""))
    return c

# ---------------------------------------------------------------------------
# PostgreSQL for the store
# ---------------------------------------------------------------------------


class PgStore:
    """.url ("postgresql://postgres@127.0.0.1:PORT/DBNAME"), .port, .dbname,
    .dir, .log(), .psql(sql) -> stdout text (tab-separated, no headers)."""

    def psql(self, sql, timeout=60):
        cp = h.run(self.cmd([self.psql_bin, "-X", "-q", "-A", "-t", "-F", "\t",
                             "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                             "-p", str(self.port), "-U", "postgres", "-d", self.dbname,
                             "-c", sql]), timeout=timeout, env=self.env)
        return cp.stdout.decode(errors="replace")

    def rows(self, sql):
        """psql(sql) split into rows of columns (strings)."""
        return [ln.split("\t") for ln in self.psql(sql).splitlines() if ln != ""]

    def log(self):
        return h.read_log(self.log_path)


def start_pg_store(netns=None, dbname="tlsaudit", timeout=30):
    """A fresh PostgreSQL cluster (initdb --auth=trust, run as user postgres
    through setpriv, `postgres -D DIR` in the foreground) on 127.0.0.1:PORT
    (inside NETNS when given) with ssl = on (the harness RSA leaf), and a
    database DBNAME.  mail_servers.start_postgres() binds the host's
    127.0.0.1 and waits for the port there, so it cannot serve a namespace;
    this is the same server started through `ip netns exec`."""
    import mail_servers as ms
    t0 = time.time()
    pg = ms._pg_bin()
    uid, gid = ms._user("postgres")
    ms._reap_stale_masters()
    c = h.make_certs()
    port = h.free_port()
    top = ms._traversable()
    d = os.path.join(top, "pgstore-%d" % port)
    os.makedirs(d)
    os.chmod(d, 0o755)
    data, sock = os.path.join(d, "data"), os.path.join(d, "sock")
    os.makedirs(sock)
    pkey, pcert = os.path.join(d, "server.key"), os.path.join(d, "server.pem")
    shutil.copy(c.rsa_key, pkey)
    shutil.copy(c.rsa_cert, pcert)
    for p in (d, sock, pkey, pcert):
        os.chown(p, uid, gid)
    os.chmod(pkey, 0o600)
    as_pg = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--init-groups", "--"]
    log_path = os.path.join(d, "postgres.log")
    h.run(as_pg + [os.path.join(pg, "initdb"), "-D", data, "-U", "postgres",
                   "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], timeout=180)
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": sock,
        "ssl": "on",
        "ssl_cert_file": pcert,
        "ssl_key_file": pkey,
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "100",
    }
    argv = as_pg + [os.path.join(pg, "postgres"), "-D", data]
    for k, v in settings.items():
        argv += ["-c", "%s=%s" % (k, v)]
    if netns is not None:
        argv = netns.cmd(argv)
    proc = h.start_process(argv, "postgres", log_path)
    s = PgStore()
    s.proc, s.port, s.dir, s.log_path, s.settings = proc, port, d, log_path, settings
    s.dbname = "postgres"
    s.cmd = netns.cmd if netns is not None else list
    s.psql_bin = os.path.join(pg, "psql") if os.path.exists(os.path.join(pg, "psql")) \
        else _need("psql", "postgresql-client")
    s.env = dict(os.environ, PGCONNECT_TIMEOUT="5", PGSSLMODE="prefer")
    deadline = time.time() + timeout
    while True:
        if proc.poll() is not None:
            raise h.SetupError("postgres exited (rc=%s); log:\n%s" % (proc.returncode,
                                                                      s.log()))
        cp = h.run(s.cmd([os.path.join(pg, "pg_isready"), "-q", "-h", "127.0.0.1",
                          "-p", str(port), "-t", "1"]), check=False, timeout=10)
        if cp.returncode == 0:
            break
        if time.time() > deadline:
            raise h.SetupError("postgres not ready within %ss; log:\n%s" % (timeout, s.log()))
        time.sleep(0.1)
    s.psql('CREATE DATABASE "%s"' % dbname)
    s.dbname = dbname
    s.url = "postgresql://postgres@127.0.0.1:%d/%s" % (port, dbname)
    s.up = time.time() - t0
    h.log("postgres up in %.1fs: %s%s" % (s.up, s.url,
                                          " (netns %s)" % netns.name if netns else ""))
    return s

# ---------------------------------------------------------------------------
# self-test
# ---------------------------------------------------------------------------


SELFTEST_TASK = """#!/bin/sh
set -e
out="$OUT_DIR/task-$SLURM_ARRAY_TASK_ID.json"
netns=$(readlink /proc/self/ns/net)
printf '{"task": "%s", "job": "%s", "host": "%s", "netns": "%s", "pid": %d}\\n' \\
    "$SLURM_ARRAY_TASK_ID" "$SLURM_ARRAY_JOB_ID" "$(hostname)" "$netns" $$ > "$out.tmp"
mv "$out.tmp" "$out"
"""


def _selftest(t):
    t0 = time.time()
    ns = h.NetNS()
    t_ns = time.time() - t0
    cl = start_cluster(ns)
    t.check("cluster up, node idle", True)
    out_dir = os.path.join(h.tmpdir(), "selftest-out")
    os.makedirs(out_dir)
    n = 4
    res = cl.sbatch_array(SELFTEST_TASK, n, env={"OUT_DIR": out_dir}, timeout=60)
    docs = {}
    for k in range(n):
        p = os.path.join(out_dir, "task-%d.json" % k)
        try:
            with open(p) as f:
                docs[k] = json.load(f)
        except (OSError, ValueError) as e:
            docs[k] = {"error": str(e)}
    t.eq("every task wrote its file with its own SLURM_ARRAY_TASK_ID",
         [str(k) for k in range(n)], [docs[k].get("task") for k in range(n)])
    t.eq("the tasks belong to the array job sbatch named",
         [res.job_id] * n, [docs[k].get("job") for k in range(n)])
    ns_inode = h.run(ns.cmd(["readlink", "/proc/self/ns/net"])).stdout.decode().strip()
    host_inode = os.readlink("/proc/self/ns/net")
    t.check("the namespace is not the host's (%s vs %s)" % (ns_inode, host_inode),
            ns_inode != host_inode)
    t.eq("every task ran in the test's network namespace", [ns_inode] * n,
         [docs[k].get("netns") for k in range(n)])
    t.eq("every task ran on this machine (hostname)", [socket.gethostname()] * n,
         [docs[k].get("host") for k in range(n)])
    cl.stop()
    t.check("slurmd, slurmctld and munged stopped",
            all(p.poll() is not None for _, p in cl.procs))
    print("TIMING netns %.2fs, munged %.2fs, cluster up %.2fs, 4-task array %.2fs, down %.2fs"
          % (t_ns, cl.timings["munged"], cl.timings["up"], res.elapsed, cl.timings["down"]),
          flush=True)
    t1 = time.time()
    pg = start_pg_store(ns)
    got = pg.psql("SELECT current_database(), 1 + 1").strip()
    t.eq("psql reaches the store database inside the namespace", "tlsaudit\t2", got)
    print("TIMING postgres up (initdb + start + CREATE DATABASE) %.2fs, total %.2fs"
          % (time.time() - t1, time.time() - t0), flush=True)


if __name__ == "__main__":
    h.run_test(_selftest)
