"""A TCP relay that holds every byte for a fixed time in each direction: added network latency.

It stands in for `tc qdisc ... netem delay`, which the kernels of these machines are built
without (CONFIG_NET_SCH_NETEM is not set; neither is the fq qdisc that BPF pacing would need).
Each chunk read is forwarded `--delay-ms` after it arrived, in order, so a round trip through
the relay gains twice the delay; bandwidth is not limited. The relay's own cost is measured
by running it with `--delay-ms 0`.

    python bench/delay_relay.py --listen 10.0.0.1:5556 --to 10.0.0.1:5555 --delay-ms 1
"""
import argparse
import collections
import socket
import sys
import threading
import time


def pump(source, sink, delay):
    """Forwards source to sink, each chunk `delay` seconds after it was read."""
    queue = collections.deque()
    ready = threading.Condition()
    done = []

    def read():
        try:
            while chunk := source.recv(1 << 16):
                with ready:
                    queue.append((time.monotonic() + delay, chunk))
                    ready.notify()
        except OSError:
            pass
        with ready:
            done.append(True)
            ready.notify()

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            with ready:
                while not queue and not done:
                    ready.wait()
                if not queue:
                    break
                due, chunk = queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            sink.sendall(chunk)
    except OSError:
        pass
    for s in (source, sink):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=address, required=True, help="HOST:PORT to accept on")
    parser.add_argument("--to", type=address, required=True, help="HOST:PORT to relay to")
    parser.add_argument("--delay-ms", type=float, required=True, help="added one-way delay")
    args = parser.parse_args()
    server = socket.create_server(args.listen)
    print(f"delay relay on {args.listen[0]}:{args.listen[1]} -> {args.to[0]}:{args.to[1]}, "
          f"{args.delay_ms} ms each way", flush=True)
    while True:
        client, _ = server.accept()
        try:
            upstream = socket.create_connection(args.to, timeout=5)
        except OSError as e:
            print(f"delay relay: cannot reach {args.to}: {e}", file=sys.stderr, flush=True)
            client.close()
            continue
        upstream.settimeout(None)
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        delay = args.delay_ms / 1000
        threading.Thread(target=pump, args=(client, upstream, delay), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, delay), daemon=True).start()


if __name__ == "__main__":
    main()
