"""N local ranks without torchrun: `python3 -m twin.launch --nproc N [--port P] -- ARGS…` starts
`python3 -m twin ARGS…` N times with the environment torchrun would give each rank (MASTER_ADDR,
MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE), waits for all, and exits with the
first non-zero status (stopping the others). Rank 0's output passes through; the other ranks'
goes to stderr prefixed with their rank.

(Debian's torchrun fails at start on Python 3.11, "'NoneType' object has no attribute 'get'" in
the elastic agent; on a machine where torchrun works, `torchrun --nproc_per_node=N -m twin ARGS…`
is the same.)
"""
import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def relay(stream, prefix):
    for line in iter(stream.readline, b""):
        sys.stderr.buffer.write(prefix + line)
        sys.stderr.buffer.flush()


def main(argv):
    if "--" not in argv:
        raise SystemExit("usage: python3 -m twin.launch --nproc N [--port P] -- TWIN_ARGS…")
    cut = argv.index("--")
    p = argparse.ArgumentParser(prog="python3 -m twin.launch")
    p.add_argument("--nproc", type=int, required=True)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv[:cut])
    rest = argv[cut + 1:]
    port = str(args.port or free_port())
    command = " ".join(["python3 -m twin.launch", *(shlex.quote(a) for a in argv)])
    procs, relays = [], []
    for rank in range(args.nproc):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=port, RANK=str(rank),
                   LOCAL_RANK=str(rank), WORLD_SIZE=str(args.nproc),
                   LOCAL_WORLD_SIZE=str(args.nproc), TWIN_COMMAND=command)
        out = None if rank == 0 else subprocess.PIPE
        proc = subprocess.Popen([sys.executable, "-m", "twin", *rest], env=env, stdout=out,
                                stderr=None if rank == 0 else subprocess.STDOUT)
        procs.append(proc)
        if rank:
            t = threading.Thread(target=relay, args=(proc.stdout, f"[rank {rank}] ".encode()), daemon=True)
            t.start()
            relays.append(t)

    def forward(signum, frame):
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, forward)
    status = 0
    pending = list(procs)
    while pending:
        for proc in list(pending):
            try:
                code = proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            pending.remove(proc)
            if code != 0 and status == 0:
                status = code
                for other in pending:
                    other.terminate()
    for t in relays:
        t.join(timeout=5)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
